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
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Live:
    url: str
    env: dict[str, str]  # the environment the server was built from: CLI commands run against the same DB
    app: object  # the served Flask app, for work in its app context (e.g. reading the calendar)

    def flask(self, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
        """Runs `flask --app tracker ARGS` against the live database, as an operator would."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "tracker", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'live.db'}",
        "INSTANCE_PATH": str(tmp),
        "UPLOAD_FOLDER": str(tmp / "uploads"),
        "SECRET_KEY": "browser-tests",
    }
    for args in (["db", "upgrade"], ["demo-data"]):
        r = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "tracker", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
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
    yield Live(f"http://127.0.0.1:{port}", env, app)
    server.shutdown()


@pytest.fixture(scope="session")
def live_server(live):
    return live.url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture()
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="zh-CN")
    pg = _watched(context.new_page())
    yield pg
    context.close()


def _watched(pg):
    """The page with `csp_errors`: console errors (CSP violations are reported there) and script errors."""
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.csp_errors = errors  # type: ignore[attr-defined]
    return pg


@pytest.fixture()
def user_page(browser, live_server):
    """A factory of logged-in pages, each in its own browser context, for journeys passing between users."""
    contexts = []

    def make(username: str):
        context = browser.new_context(base_url=live_server, locale="zh-CN", accept_downloads=True)
        contexts.append(context)
        pg = _watched(context.new_page())
        login(pg, username)
        return pg

    yield make
    for context in contexts:
        context.close()


def login(page, username: str, password: str = "Demo-pass-2026"):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    # each role's home: the workbench, or the calendar for the platform administrator (no cases)
    page.wait_for_selector("h1:has-text('工作台'), h1:has-text('工作日历')")


def register_request(page, subject: str, applicant: str, received_on: str | None = None) -> tuple[int, str]:
    """Registers a request through the intake form as the logged-in office user; (id, number) of the case."""
    page.goto("/requests/new")
    page.select_option("#applicant_type", "natural_person")
    page.fill("#applicant_name", applicant)
    page.select_option("#channel", "post")
    page.fill("#received_on", received_on or date.today().isoformat())
    page.fill("#subject", subject)
    page.fill("#content", f"请公开：{subject}")
    page.click("button:has-text('登记')")
    page.wait_for_load_state()
    assert "已登记" in page.inner_text("body"), page.inner_text("main")[:1500]
    request_id = int(page.url.rstrip("/").split("/")[-1])
    return request_id, page.inner_text("h1").split()[0]


def act(page, request_id: int, label: str):
    """Opens the case and follows the action button with this label (the panel offers it or the test fails)."""
    page.goto(f"/requests/{request_id}")
    page.locator("#actions a", has_text=label).first.click()
    page.wait_for_load_state()
