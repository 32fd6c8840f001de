"""make bundle, then install from it on a "machine" with no registry: a scratch virtualenv, pip with
--no-index and its network cut (a network namespace with no interfaces when we may create one, else a
dead proxy and no pip configuration), then the installed app builds its database and serves a page."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _offline_prefix() -> list[str]:
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


def _offline_env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    dead = "http://127.0.0.1:9"
    env.update(
        PIP_CONFIG_FILE=os.devnull,  # no machine-wide find-links or index
        PIP_NO_INDEX="1",
        PIP_INDEX_URL=dead,
        http_proxy=dead,
        https_proxy=dead,
        HTTP_PROXY=dead,
        HTTPS_PROXY=dead,
        HOME=str(tmp),
        PYTHON=sys.executable,
    )
    return env


@pytest.mark.slow
def test_bundle_installs_and_runs_without_a_network(tmp_path):
    built = subprocess.run(
        [str(ROOT / "scripts/bundle.sh")],
        cwd=ROOT,
        env={**os.environ, "BUNDLE_DIR": str(tmp_path / "dist")},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert built.returncode == 0, built.stderr
    archive = Path(built.stdout.strip().splitlines()[-1])
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    (bundle,) = (tmp_path / "unpacked").iterdir()
    wheels = sorted(p.name for p in (bundle / "wheels").iterdir())
    assert any(w.startswith("Flask-") or w.startswith("flask-") for w in wheels) and all(
        w.endswith(".whl") for w in wheels
    )
    assert (bundle / "app/static/vendor").is_dir()

    offline, env = _offline_prefix(), _offline_env(tmp_path)
    target = tmp_path / "opt-tracker"
    # the cut is real: the scratch pip cannot fetch anything
    probe = subprocess.run(
        [*offline, sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(tmp_path / "x"), "six"],
        env={**env, "PIP_NO_INDEX": "0", "PIP_TIMEOUT": "3", "PIP_RETRIES": "0"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode != 0
    installed = subprocess.run(
        [*offline, "bash", str(bundle / "install.sh"), str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "已安装到" in installed.stdout

    run_env = {**env, "DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "INSTANCE_PATH": str(tmp_path / "inst")}
    flask = [*offline, str(target / ".venv/bin/flask"), "--app", "tracker"]
    up = subprocess.run([*flask, "db", "upgrade"], cwd=target, env=run_env, capture_output=True, text=True, timeout=300)
    assert up.returncode == 0, up.stderr
    page = subprocess.run(
        [
            *offline,
            str(target / ".venv/bin/python"),
            "-c",
            "from tracker import create_app; c = create_app().test_client(); r = c.get('/login'); "
            "print(r.status_code, '登录' in r.get_data(as_text=True))",
        ],
        cwd=target,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert page.stdout.split() == ["200", "True"], page.stdout + page.stderr
