"""argon2id password hashing; parameters from the configuration (tests use cheap ones)."""
from __future__ import annotations

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
