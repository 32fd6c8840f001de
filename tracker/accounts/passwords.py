"""The password policy and generated passwords (pure Python: no Flask, no database).

GB/T 22239-2019 (网络安全等级保护基本要求) 8.1.4.1 a) asks that passwords be complex and changed
regularly; the policy here is the product's reading of "complex": at least MIN_LENGTH characters, at
least CLASSES_NEEDED of the four classes (upper case, lower case, digit, other), and not containing the
username. One policy for every password set anywhere — by its user, by an administrator, at the command
line — and every generated password satisfies it.
"""

from __future__ import annotations

import secrets
import string

MIN_LENGTH = 10
MAX_LENGTH = 128  # long enough for any passphrase, short enough that hashing it is cheap
CLASSES_NEEDED = 3
CLASSES = (
    ("大写字母", str.isupper),
    ("小写字母", str.islower),
    ("数字", str.isdigit),
)


def classes_of(password: str) -> int:
    """How many of the four character classes the password uses (upper, lower, digit, other)."""
    found = {name for ch in password for name, test in CLASSES if ch.isascii() and test(ch)}
    other = any(not (ch.isascii() and ch.isalnum()) for ch in password)
    return len(found) + (1 if other else 0)


def help_text() -> str:
    return (
        f"至少 {MIN_LENGTH} 个字符，包含大写字母、小写字母、数字、其他符号中的至少 {CLASSES_NEEDED} 类，"
        "且不能包含用户名。"
    )


def problems(password: str, username: str | None = None) -> list[str]:
    """What is wrong with the password, in Chinese (empty: it may be used)."""
    out = []
    if len(password) < MIN_LENGTH:
        out.append(f"密码至少需要 {MIN_LENGTH} 个字符（现有 {len(password)} 个）。")
    if len(password) > MAX_LENGTH:
        out.append(f"密码不能超过 {MAX_LENGTH} 个字符。")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in password):
        out.append("密码不能包含控制字符（如换行、制表符）。")
    if classes_of(password) < CLASSES_NEEDED:
        out.append(f"密码须包含大写字母、小写字母、数字、其他符号四类中的至少 {CLASSES_NEEDED} 类。")
    if username and len(username) >= 2 and username.lower() in password.lower():
        out.append("密码不能包含用户名。")
    return out


def error(password: str, username: str | None = None) -> str | None:
    """All problems as one message, or None."""
    found = problems(password, username)
    return "".join(found) or None


def generate(length: int = 14) -> str:
    """A random password that satisfies the policy: every class present, no look-alike characters."""
    upper = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    lower = "abcdefghijkmnpqrstuvwxyz"
    digits = "23456789"
    symbols = "-_.@#%+="
    alphabet = upper + lower + digits + symbols
    while True:
        chars = [secrets.choice(s) for s in (upper, lower, digits, symbols)]
        chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
        secrets.SystemRandom().shuffle(chars)
        password = "".join(chars)
        if classes_of(password) == 4 and password[0] in string.ascii_letters:
            return password
