"""Browser tests: the real app served by a real server on 127.0.0.1, driven by Playwright in Debian's Chromium.

The app runs in a thread (werkzeug) on a free port against a fresh migrated SQLite database with the
demo data; no browser is downloaded (executable_path=/usr/bin/chromium).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'live.db'}", "INSTANCE_PATH": str(tmp),
           "UPLOAD_FOLDER": str(tmp / "uploads"), "SECRET_KEY": "browser-tests"}
    for args in (["db", "upgrade"], ["demo-data"]):
        r = subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", *args], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        from werkzeug.serving import make_server

        from tracker import create_app
        app = create_app()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture()
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="zh-CN")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.csp_errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()


def login(page, username: str, password: str = "demo12345"):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/requests/**")
