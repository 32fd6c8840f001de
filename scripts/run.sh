#!/bin/sh
# `make run [PORT=5000]`: the office's day on one machine — the web server and the reminder scheduler
# together. One reminder scan runs at start (so deadlines already due show at once), then the scheduler
# keeps the morning and hourly runs (tracker/reminders/scheduler.py). Ctrl-C stops both.
set -eu
cd "$(dirname "$0")/.."
FLASK=".venv/bin/flask --app tracker"
PORT="${PORT:-5000}"
HOST="${HOST:-127.0.0.1}"

$FLASK remind || echo "提醒扫描未能运行（见上方信息）；网页仍将启动。"
$FLASK scheduler &
SCHED=$!
stop() {
  kill "$SCHED" 2>/dev/null || true
  wait "$SCHED" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM
echo "网页地址：http://$HOST:$PORT/ （按 Ctrl+C 同时停止网页和提醒调度器）"
$FLASK run --host "$HOST" --port "$PORT"
