"""`make run` runs the office's day: scripts/run.sh starts the web server on $PORT and the reminder
scheduler beside it, and Ctrl-C (SIGINT to the terminal's process group) stops both."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "tracker"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_alive(pgid: int) -> list[str]:
    out = subprocess.run(["ps", "-ww", "-o", "pid=,args=", "-g", str(pgid)], capture_output=True, text=True).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def test_make_run_serves_on_port_with_scheduler_and_ctrl_c_stops_both(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    port = _free_port()
    env.update(INSTANCE_PATH=str(tmp_path), PORT=str(port), TRACKER_ENV="development", PYTHONUNBUFFERED="1")
    subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    log = open(tmp_path / "run.log", "w")
    proc = subprocess.Popen(
        [str(ROOT / "scripts" / "run.sh")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).status
                break
            except OSError:
                time.sleep(0.5)
        assert status == 200, (tmp_path / "run.log").read_text()
        procs = _group_alive(proc.pid)
        assert any("tracker scheduler" in p for p in procs), procs
        assert any("tracker run" in p and f"--port {port}" in p for p in procs), procs
        text = (tmp_path / "run.log").read_text()
        assert "提醒扫描" in text  # one scan at start, so what is already due shows at once
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
        for _ in range(40):
            if not _group_alive(proc.pid):
                break
            time.sleep(0.25)
        assert _group_alive(proc.pid) == [], "Ctrl-C left a process running"
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
