"""Blind indexes: HMAC-SHA256 under the centre's index key (a key separate from its KEKs) over the
normalised forms of a value, truncated. The database can then answer "which cases have this name or
id number?" without holding the value or being able to compute it."""
from __future__ import annotations

import hashlib
import hmac

from ..i18n.names import id_number_key, name_keys
from .envelope import keyring

DIGEST_BYTES = 16


def _digest(centre_code: str, kind: str, value: str) -> str:
    ring = keyring()
    ring.ensure_centre(centre_code)
    mac = hmac.new(ring.index_key(centre_code), f"{kind}|{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[: DIGEST_BYTES * 2]


def name_digests(centre_code: str, name: str) -> set[str]:
    return {_digest(centre_code, f"name:{form}", key) for form, key in name_keys(name)}


def id_number_digests(centre_code: str, number: str) -> set[str]:
    key = id_number_key(number)
    return {_digest(centre_code, "id", key)} if key else set()


def query_digests(centre_code: str, query: str) -> set[str]:
    """What a search for `query` looks up: it may be a name (any script) or an id number."""
    return name_digests(centre_code, query) | id_number_digests(centre_code, query)
