"""Configuration: config/defaults.py, overridden by environment variables, then by the mapping
given to create_app (tests). Also prepares the instance folder and its secret key."""
from __future__ import annotations

import importlib.util
import json
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = ROOT / "config" / "defaults.py"


# Sign-in with a second factor and server-side sessions (README, "Accounts, sessions and tokens").
# Like every default, each can be set as an environment variable (TWO_FACTOR_ROLES=admin,supervisor).
AUTH_DEFAULTS = {
    # Roles that must sign in with a TOTP code (a centre's administrator may require it of everyone).
    "TWO_FACTOR_ROLES": ["admin", "network_admin", "supervisor"],
    # How long the half-signed-in state (password right, code not yet given) lasts.
    "TWO_FACTOR_PENDING_SECONDS": 300,
    # The name authenticator apps show for the account.
    "TWO_FACTOR_ISSUER": "Border referral",
    # A session's "last seen" time is written at most this often.
    "SESSION_TOUCH_MINUTES": 5,
}


def _load_defaults() -> dict:
    spec = importlib.util.spec_from_file_location("border_referral_config_defaults", DEFAULTS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {**AUTH_DEFAULTS, **{k: getattr(module, k) for k in dir(module) if k.isupper()}}


def _parse(raw: str, default):
    if isinstance(default, bool) or default is None:
        low = raw.strip().lower()
        if low in {"1", "true", "yes", "on"}:
            return True
        if low in {"0", "false", "no", "off"}:
            return False
        if default is None and low in {"", "none", "auto"}:
            return None
        raise ValueError(f"not a boolean: {raw!r}")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, list):
        return [p.strip() for p in raw.split(",") if p.strip()]
    return raw


def load(overrides: dict | None = None) -> dict:
    cfg = _load_defaults()
    for key, default in list(cfg.items()):
        if key in os.environ:
            try:
                cfg[key] = _parse(os.environ[key], default)
            except ValueError as exc:
                raise SystemExit(f"configuration: {key}: {exc}") from exc
    if overrides:
        cfg.update(overrides)
    instance = Path(cfg["BORDER_REFERRAL_INSTANCE"])
    if not instance.is_absolute():
        instance = ROOT / instance
    cfg["BORDER_REFERRAL_INSTANCE"] = str(instance)
    if not cfg.get("BORDER_REFERRAL_KEYRING"):
        cfg["BORDER_REFERRAL_KEYRING"] = str(instance / "keyring.json")
    if not cfg.get("DATABASE_URL"):
        cfg["DATABASE_URL"] = f"sqlite:///{instance / 'border_referral.sqlite3'}"
    if not cfg.get("AUDIT_CHECKPOINT_FILE"):
        cfg["AUDIT_CHECKPOINT_FILE"] = str(instance / "audit-checkpoints.jsonl")
    return cfg


def ensure_instance(cfg: dict) -> None:
    """Create the instance folder (mode 0700) and, on first start, a random secret key in it.
    The key is never a constant and never in git."""
    instance = Path(cfg["BORDER_REFERRAL_INSTANCE"])
    instance.mkdir(parents=True, exist_ok=True, mode=0o700)
    if cfg.get("SECRET_KEY"):
        return
    key_file = instance / "secret_key.json"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"secret_key": secrets.token_hex(32)}, fh)
    cfg["SECRET_KEY"] = json.loads(key_file.read_text())["secret_key"]
