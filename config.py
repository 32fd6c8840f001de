"""Configuration, read from the environment when the app is created (never at import time of the app)."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _flag(value: str | None, default: bool) -> bool:
    return default if value is None or value == "" else value.lower() in ("1", "true", "yes")


class Config:
    """Defaults for development; every value may come from an environment variable of the same name."""

    def __init__(self, env: dict[str, str] | None = None):
        env = dict(os.environ if env is None else env)
        self.ENV_NAME = env.get("TRACKER_ENV", "development")  # development | production | testing
        instance = Path(env.get("INSTANCE_PATH", BASE_DIR / "instance"))
        self.INSTANCE_PATH = str(instance)
        self.SQLALCHEMY_DATABASE_URI = env.get("DATABASE_URL") or f"sqlite:///{instance / 'tracker.db'}"
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.SECRET_KEY = env.get("SECRET_KEY")
        self.AGENCY_NAME = env.get("AGENCY_NAME", "本机关")
        self.TIMEZONE = "Asia/Shanghai"
        # Case number display pattern: {year} and {seq} (zero padded by the format spec).
        self.CASE_NUMBER_PATTERN = env.get("CASE_NUMBER_PATTERN", "依申〔{year}〕第{seq:04d}号")
        self.UPLOAD_FOLDER = env.get("UPLOAD_FOLDER", str(instance / "uploads"))
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024
        self.ALLOWED_UPLOAD_EXTENSIONS = (
            "pdf",
            "jpg",
            "jpeg",
            "png",
            "tif",
            "tiff",
            "doc",
            "docx",
            "xls",
            "xlsx",
            "ofd",
            "txt",
        )
        # Backups on PostgreSQL: the directory of pg_dump/pg_restore (default: the newest
        # /usr/lib/postgresql/<version>/bin, else PATH); its version must not be older than the server's.
        self.PG_BIN_DIR = env.get("PG_BIN_DIR", "")
        # Ledger imports (docs/security.md, tracker/ledger/parse.py Limits): a file beyond these is refused
        # before its rows are read; a job whose heartbeat is older than LEDGER_JOB_STALE_SECONDS is interrupted.
        self.LEDGER_MAX_ROWS = int(env.get("LEDGER_MAX_ROWS", "100000"))
        self.LEDGER_MAX_UNPACKED_BYTES = int(env.get("LEDGER_MAX_UNPACKED_MB", "200")) * 1024 * 1024
        self.LEDGER_MAX_RATIO = int(env.get("LEDGER_MAX_RATIO", "100"))
        self.LEDGER_MAX_MEMBERS = int(env.get("LEDGER_MAX_MEMBERS", "1000"))
        self.LEDGER_MAX_CSV_BYTES = int(env.get("LEDGER_MAX_CSV_MB", "50")) * 1024 * 1024
        self.LEDGER_MAX_LINE_CHARS = int(env.get("LEDGER_MAX_LINE_CHARS", "65536"))
        self.LEDGER_MAX_PROBLEMS = int(env.get("LEDGER_MAX_PROBLEMS", "1000"))
        self.LEDGER_HEARTBEAT_SECONDS = float(env.get("LEDGER_HEARTBEAT_SECONDS", "5"))
        self.LEDGER_JOB_STALE_SECONDS = float(env.get("LEDGER_JOB_STALE_SECONDS", "45"))
        self.PAGE_SIZE = int(env.get("PAGE_SIZE", "20"))
        # Issue 17: the online platform's API and the applicants' /status look-up (docs/api.md).
        self.API_MAX_BODY_KB = int(env.get("API_MAX_BODY_KB", "64"))
        self.API_RATE_PER_MINUTE = int(env.get("API_RATE_PER_MINUTE", "120"))  # calls per token
        self.STATUS_ATTEMPTS_PER_HOUR = int(env.get("STATUS_ATTEMPTS_PER_HOUR", "20"))  # look-ups per address
        self.DUE_SOON_WORKDAYS = int(env.get("DUE_SOON_WORKDAYS", "3"))
        # The office's internal deadline for a section's draft: this many working days before the statutory
        # one, unless the agency sets its own (admin → 机关信息) or the office enters a date when routing.
        self.INTERNAL_DUE_WORKDAYS = int(env.get("INTERNAL_DUE_WORKDAYS", "5"))
        # Years after a case's conclusion that its applicant's personal data is kept; then `flask anonymise`
        # clears it (tracker/rules/masking.py: the default is the archive's 定期10年, docs/security.md).
        self.PERSONAL_DATA_RETENTION_YEARS = env.get("PERSONAL_DATA_RETENTION_YEARS", "10")
        self.CORRECTION_PERIOD_WORKDAYS = int(env.get("CORRECTION_PERIOD_WORKDAYS", "15"))
        self.PROPOSAL_REPLY_MONTHS = int(env.get("PROPOSAL_REPLY_MONTHS", "3"))
        self.PROPOSAL_MAX_MONTHS = int(env.get("PROPOSAL_MAX_MONTHS", "6"))
        self.PROPOSAL_COHANDLER_MONTHS = int(env.get("PROPOSAL_COHANDLER_MONTHS", "1"))
        self.PROPOSAL_REHANDLING_MONTHS = int(env.get("PROPOSAL_REHANDLING_MONTHS", "1"))
        # Mail (reminders). Empty MAIL_SERVER means in-app notifications only.
        self.MAIL_SERVER = env.get("MAIL_SERVER", "")
        self.MAIL_PORT = int(env.get("MAIL_PORT", "25"))
        self.MAIL_USE_TLS = env.get("MAIL_USE_TLS", "0").lower() in ("1", "true", "yes")
        self.MAIL_USERNAME = env.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD", "")
        self.MAIL_DEFAULT_SENDER = env.get("MAIL_DEFAULT_SENDER", "tracker@localhost")
        self.REMINDER_HOUR = env.get("REMINDER_TIME", "08:30")
        # Reminder scheduler (docs/reminders.md): the morning scan (China time), then hourly until this hour.
        self.REMINDER_TIME = env.get("REMINDER_TIME", "08:30")
        self.REMINDER_HOURLY_UNTIL = int(env.get("REMINDER_HOURLY_UNTIL", "18"))
        # Address of the site as users reach it, for the links in reminder mails.
        self.BASE_URL = env.get("BASE_URL", "http://127.0.0.1:5000")
        self.WTF_CSRF_ENABLED = True
        self.WTF_CSRF_TIME_LIMIT = None
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        production = self.ENV_NAME == "production"
        # Sessions and sign-in (docs/security.md). In production the cookie is sent over HTTPS only and
        # browsers are told to use HTTPS (HSTS) unless these are set to 0 explicitly.
        self.SESSION_COOKIE_SECURE = _flag(env.get("SESSION_COOKIE_SECURE"), production)
        self.HSTS_SECONDS = int(env.get("HSTS_SECONDS", "31536000" if production else "0"))
        self.SESSION_IDLE_MINUTES = int(env.get("SESSION_IDLE_MINUTES", "30"))
        self.SESSION_MAX_HOURS = int(env.get("SESSION_MAX_HOURS", "12"))
        # Flask-Login: "strong" ends a session whose address or browser changed.
        self.SESSION_PROTECTION = env.get("SESSION_PROTECTION", "strong")
        self.LOGIN_MAX_FAILURES = int(env.get("LOGIN_MAX_FAILURES", "5"))
        self.LOGIN_MAX_FAILURES_PER_ADDRESS = int(env.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
        self.LOGIN_WINDOW_MINUTES = int(env.get("LOGIN_WINDOW_MINUTES", "15"))
        self.LOGIN_LOCK_MINUTES = int(env.get("LOGIN_LOCK_MINUTES", "15"))
        # Reverse proxies in front of the app (nginx: 1) whose X-Forwarded-For/-Proto are trusted, so
        # the per-address limit and the security log see the client's address, not the proxy's.
        self.PROXY_COUNT = int(env.get("PROXY_COUNT", "0"))
        self.TESTING = self.ENV_NAME == "testing"

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}
