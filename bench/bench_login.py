"""Sign-in time for a real user and for a name nobody has (issue 14: they must cost the same), through
the login page (POST /login, the whole request).

    .venv/bin/python bench/bench_login.py [--engine sqlite|postgresql|both]

A small database of its own (one agency, one user with the default password hash, as the admin pages
make it); the lock-out limits are raised for the run so that every attempt checks its password. Prints
per engine, in milliseconds (median of REPEATS runs after a warm-up, with min and max):
- login_known_wrong_ms: a real user, wrong password;
- login_unknown_ms: a name that does not exist;
- login_known_right_ms: a real user, right password (the session is then dropped);
- login_unknown_vs_known_ratio: unknown / known-wrong (1.0 = indistinguishable).
"""

from __future__ import annotations

import uuid

from common import arguments, emit, engines, pg_server, timed


def _database(engine: str, tmp: str) -> str:
    if engine == "sqlite":
        return f"sqlite:///{tmp}/login.db"
    import psycopg

    base = pg_server()
    name = f"tracker_bench_login_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://") + "/postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def run(engine: str, tmp: str) -> None:
    from tracker import create_app
    from tracker.accounts import services
    from tracker.accounts.models import Agency
    from tracker.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": _database(engine, tmp),
            "TESTING": True,
            "ENV_NAME": "testing",
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "LOGIN_MAX_FAILURES": 10**9,
            "LOGIN_MAX_FAILURES_PER_ADDRESS": 10**9,
        }
    )
    with app.app_context():
        db.create_all()
        agency = Agency(name="测试局", settings={})
        db.session.add(agency)
        db.session.commit()
        services.create_user("wang", role="office", password="Right-pass-2026", agency=agency, must_change=False)

    def attempt(name: str, password: str):
        def go():
            with app.test_client() as client:
                client.post("/login", data={"username": name, "password": password})

        return go

    known = timed(attempt("wang", "Wrong-pass-2026"))
    unknown = timed(attempt("nobody", "Wrong-pass-2026"))
    right = timed(attempt("wang", "Right-pass-2026"))
    emit(engine, "login_known_wrong_ms", known[0], known[1:], 1000)
    emit(engine, "login_unknown_ms", unknown[0], unknown[1:], 1000)
    emit(engine, "login_known_right_ms", right[0], right[1:], 1000)
    emit(engine, "login_unknown_vs_known_ratio", round(unknown[0] / known[0], 3))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if engine == "postgresql":
        import psycopg

        url = app.config["SQLALCHEMY_DATABASE_URI"]
        base, _, name = url.rpartition("/")
        admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    import tempfile

    args = arguments(__doc__.splitlines()[0])
    with tempfile.TemporaryDirectory() as tmp:
        for engine in engines(args):
            run(engine, tmp)
