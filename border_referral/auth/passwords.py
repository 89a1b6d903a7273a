"""argon2id password hashing (parameters from the configuration; tests use cheap ones) and what
makes a password too easy to guess."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context


def _hasher() -> PasswordHasher:
    cfg = current_app.config if has_app_context() else {}
    return PasswordHasher(
        time_cost=cfg.get("ARGON2_TIME_COST", 3),
        memory_cost=cfg.get("ARGON2_MEMORY_COST", 65536),
        parallelism=cfg.get("ARGON2_PARALLELISM", 4),
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher().verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher().check_needs_rehash(stored)


# A hash to verify against when the account does not exist, so that the answer takes as long as
# for a real account and does not reveal which e-mail addresses have accounts.
_DUMMY = {}


def dummy_verify(password: str) -> None:
    key = id(current_app._get_current_object()) if has_app_context() else 0
    if key not in _DUMMY:
        _DUMMY[key] = hash_password("not-a-real-password-for-timing")
    verify_password(_DUMMY[key], password)


# The published password of the demo accounts (README): accepted only when the demo data is loaded.
DEMO_PASSWORD = "border-demo-2026"
_SWAPS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz")


@lru_cache(maxsize=1)
def common_words() -> frozenset:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(w.strip() for w in path.read_text(encoding="utf-8").splitlines()
                     if w.strip() and not w.startswith("#"))


def _core(password: str) -> str:
    """The word a password is built around: lower case, separators and the digits and symbols
    around it removed, common letter swaps undone (P@ssw0rd2026! -> password)."""
    low = password.lower()
    word = re.sub(r"^[^a-z]+|[^a-z]+$", "", low) or low
    return re.sub(r"[\s._\-]+", "", word.translate(_SWAPS))


def _is_sequence(text: str) -> bool:
    """Runs along the keyboard or the alphabet, or one short block repeated (abcabcabc, 121212)."""
    if len(text) < 4:
        return True
    if any(text in row * 3 or text in (row * 3)[::-1] for row in _KEYBOARD_ROWS):
        return True
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return True
    return False


def too_easy(password: str, email: str = "") -> bool:
    """Whether a long-enough password is still one a guesser tries first."""
    core = _core(password)
    if core in common_words() or _is_sequence(core) or _is_sequence(password.lower()):
        return True
    local = (email or "").split("@")[0].lower()
    return len(local) >= 4 and (local in password.lower() or core in local)
