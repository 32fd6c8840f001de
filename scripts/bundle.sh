#!/usr/bin/env bash
# make bundle: one offline bundle for an intranet machine with no internet.
#   dist/tracker-bundle-<commit>.tar.gz, holding
#     app/          the application as committed (tracker/, migrations/, templates/, static/ with every
#                   vendored asset, config.py, requirements.txt, docs/)
#     wheels/       every wheel requirements.txt needs, built for this machine's Python and platform
#     install.sh    creates a virtualenv and installs from wheels/ with pip --no-index
#     MANIFEST.txt  Python, platform, commit and the wheels
# Wheels are kept in WHEEL_CACHE (default /var/tmp/tracker-wheels) between builds, so a rebuild asks no
# registry when nothing changed. Build it on a machine of the target's kind (same Python minor version
# and platform, e.g. CPython 3.11 on x86_64 Linux): wheels with compiled parts (psycopg-binary) are
# platform-specific.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
CACHE="${WHEEL_CACHE:-/var/tmp/tracker-wheels}"
COMMIT="$(git rev-parse --short HEAD)"
OUT="${BUNDLE_DIR:-dist}"
NAME="tracker-bundle-$COMMIT"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$CACHE" "$OUT" "$STAGE/$NAME/wheels" "$STAGE/$NAME/app"

# every wheel, from the local cache when all are there, else from the registry into the cache
if ! "$PYTHON" -m pip wheel -q --disable-pip-version-check --no-index --find-links "$CACHE" -w "$CACHE" -r requirements.txt 2>/dev/null; then
  "$PYTHON" -m pip wheel -q --disable-pip-version-check --find-links "$CACHE" -w "$CACHE" -r requirements.txt
fi
# exactly the set this requirements.txt resolves to (no stale versions from the cache)
"$PYTHON" -m pip download -q --disable-pip-version-check --no-index --find-links "$CACHE" -d "$STAGE/$NAME/wheels" -r requirements.txt

git archive --format=tar HEAD tracker migrations templates static config.py requirements.txt README.md docs \
  | tar -x -C "$STAGE/$NAME/app"
if grep -rIlE "https?://(cdn|fonts\.googleapis|unpkg|cdnjs)" "$STAGE/$NAME/app/templates" "$STAGE/$NAME/app/static" >/dev/null; then
  echo "bundle: a template or asset points at an outside host" >&2
  exit 1
fi

cat > "$STAGE/$NAME/install.sh" <<'INSTALL'
#!/usr/bin/env bash
# Install tracker from this bundle with no network: ./install.sh [TARGET_DIR]  (default /opt/tracker)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
TARGET="${1:-/opt/tracker}"
PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || { echo "需要 Python 3.11 或更高版本" >&2; exit 1; }
mkdir -p "$TARGET"
cp -a "$HERE/app/." "$TARGET/"
"$PYTHON" -m venv "$TARGET/.venv"
"$TARGET/.venv/bin/pip" install -q --disable-pip-version-check --no-index --find-links "$HERE/wheels" -r "$TARGET/requirements.txt"
echo "已安装到 $TARGET。下一步：设置 /etc/tracker.env（DATABASE_URL、SECRET_KEY、TRACKER_ENV=production），"
echo "然后运行 $TARGET/.venv/bin/flask --app tracker db upgrade，再按 docs/deployment.md 启动 gunicorn 和提醒调度进程。"
INSTALL
chmod +x "$STAGE/$NAME/install.sh"

{
  echo "tracker $COMMIT"
  "$PYTHON" -c 'import platform, sys; print("python", sys.version.split()[0], platform.machine(), platform.system())'
  (cd "$STAGE/$NAME/wheels" && ls -1)
} > "$STAGE/$NAME/MANIFEST.txt"

tar -czf "$OUT/$NAME.tar.gz" -C "$STAGE" "$NAME"
echo "$OUT/$NAME.tar.gz"
