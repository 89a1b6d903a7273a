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
    """The whole name in every spelling and word order (a duplicate check compares these)."""
    return {_digest(centre_code, f"name:{form}", key) for form, key in name_keys(name)}


def name_index_digests(centre_code: str, name: str) -> set[str]:
    """What a case's index holds for a name: the whole name, and each of its words."""
    return {_digest(centre_code, f"name:{form}", key) for form, key in name_keys(name, parts=True)}


def id_number_digests(centre_code: str, number: str) -> set[str]:
    key = id_number_key(number)
    return {_digest(centre_code, "id", key)} if key else set()


def query_digests(centre_code: str, query: str) -> set[str]:
    """What a search for `query` looks up: it may be a name (any script, any word order; one word
    also finds the names that contain it) or an id number."""
    one_word = len((query or "").split()) == 1
    names = name_index_digests(centre_code, query) if one_word else name_digests(centre_code, query)
    return names | id_number_digests(centre_code, query)
