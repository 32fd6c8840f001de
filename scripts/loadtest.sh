#!/usr/bin/env bash
# Load test: gunicorn (4 workers) on the PostgreSQL bench database of BENCH_N requests, driven by wrk
# with 20 connections on 127.0.0.1 only, for LOAD_SECONDS per page kind. Prints name=value lines:
# load_<page>_rps, load_<page>_p50_ms, _p95_ms, _p99_ms, load_<page>_errors.
# The database is made by bench/gen.py (generated once and reused). Installs Debian's wrk when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${BENCH_N:-20000}"
SECONDS_EACH="${LOAD_SECONDS:-20}"
PORT="${LOAD_PORT:-8765}"
CONNECTIONS="${LOAD_CONNECTIONS:-20}"
if ! command -v wrk >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "wrk missing: apt-get install wrk" >&2; exit 1; }
  apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
fi
SERVER="$(scripts/pg-ensure.sh)"
URL="${SERVER%/*}/tracker_bench_$N"
.venv/bin/python bench/gen.py --url "$URL" --n "$N" >/dev/null
WORK="$(mktemp -d)"
# plain HTTP on localhost: the production default of a Secure-only cookie is turned off for the run
export DATABASE_URL="$URL" TRACKER_ENV=production SECRET_KEY=loadtest-secret INSTANCE_PATH="$WORK/instance" SESSION_COOKIE_SECURE=0
UA="tracker-loadtest"  # one browser for curl and wrk: "strong" session protection ends a session whose browser changes
.venv/bin/gunicorn --workers 4 --bind "127.0.0.1:$PORT" --log-level warning "tracker:create_app()" &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; wait $GUNICORN 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 60); do curl -fsS "http://127.0.0.1:$PORT/login" -o /dev/null 2>/dev/null && break; sleep 0.5; done
BASE="http://127.0.0.1:$PORT"
TOKEN="$(curl -fsS -A "$UA" -c "$WORK/jar" "$BASE/login" | sed -n 's/.*name="csrf_token"[^>]*value="\([^"]*\)".*/\1/p' | head -1)"
curl -fsS -A "$UA" -b "$WORK/jar" -c "$WORK/jar" -o /dev/null -d "csrf_token=$TOKEN&username=office1&password=bench-pass" "$BASE/login"
COOKIE="$(awk '$6 == "session" {print "session=" $7}' "$WORK/jar")"
[ -n "$COOKIE" ] || { echo "loadtest: login failed" >&2; exit 1; }
# sample values from the database: cases spread over the table, names and numbers to search
.venv/bin/python - "$URL" "$WORK" <<'PY'
import sys, urllib.parse
from sqlalchemy import create_engine, text
url, work = sys.argv[1], sys.argv[2]
e = create_engine(url)
with e.connect() as c:
    n = c.execute(text("SELECT max(id) FROM disclosure_request")).scalar()
    rows = c.execute(text("SELECT id, number, applicant_name, subject FROM disclosure_request WHERE id % :k = 0"), {"k": max(n // 200, 1)}).all()
q = urllib.parse.quote
pages = {
    "list": ["/requests/", "/requests/?status=open", "/requests/?due=overdue", "/requests/?page=2", "/requests/?section=3"],
    "search": [f"/requests/?q={q(r[1] if i % 3 == 0 else (r[2] if len(r[2]) >= 3 else r[2]) if i % 3 == 1 else r[3][2:])}" for i, r in enumerate(rows)],
    "case": [f"/requests/{r[0]}" for r in rows],
    "notifications": ["/notifications/", "/notifications/?show=unread"],
}
for name, urls in pages.items():
    with open(f"{work}/{name}.lua", "w") as f:
        f.write("local paths = {" + ",".join(repr(u).replace("'", '"') for u in urls) + "}\n")
        f.write("local i = 0\nrequest = function() i = i % #paths + 1; return wrk.format('GET', paths[i]) end\n")
        f.write("done = function(summary, latency, requests)\n"
                "  io.write(string.format('RESULT %d %d %.1f %.1f %.1f %.1f\\n', summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))\n"
                "end\n")
PY
echo "load_n=$N"
echo "load_connections=$CONNECTIONS"
echo "load_gunicorn_workers=4"
for page in list search case notifications; do
  out="$(wrk -t 2 -c "$CONNECTIONS" -d "${SECONDS_EACH}s" --timeout 10s -H "Cookie: $COOKIE" -H "User-Agent: $UA" -s "$WORK/$page.lua" "$BASE" | grep '^RESULT')"
  read -r _ reqs errs secs p50 p95 p99 <<<"$out"
  echo "load_${page}_rps=$(awk -v r="$reqs" -v s="$secs" 'BEGIN {printf "%.1f", r / s}')"
  echo "load_${page}_p50_ms=$p50"
  echo "load_${page}_p95_ms=$p95"
  echo "load_${page}_p99_ms=$p99"
  echo "load_${page}_errors=$errs"
done
echo "load_workbench=not_built"
