"""Envelope encryption: a random data key (DEK) per record, wrapped with AES-256-GCM under its
centre's KEK; personal fields are AES-256-GCM under the DEK with associated data that binds each
ciphertext to its table, record id, field name and key version."""
from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlmodel import Session

from ..util import utcnow
from .errors import IntegrityFailure, KeyUnavailable
from .keyring import KeyRing
from .models import DataKey

NONCE = 12
FORMAT = b"\x01"


def keyring() -> KeyRing:
    ring = current_app.extensions.get("br_keyring")
    if ring is None:
        ring = current_app.extensions["br_keyring"] = KeyRing(current_app.config["BORDER_REFERRAL_KEYRING"])
    return ring


def _wrap_aad(dk: DataKey) -> bytes:
    return f"dek|{dk.id}|{dk.centre_code}|{dk.kek_version}".encode()


def new_data_key(session: Session, centre_code: str, *, flush: bool = True) -> tuple[DataKey, bytes]:
    """A new DEK wrapped by the centre's active KEK; `flush=False` inside a flush (crypto.at_rest)."""
    ring = keyring()
    ring.ensure_centre(centre_code)
    version = ring.active_version(centre_code)
    dek = AESGCM.generate_key(bit_length=256)
    dk = DataKey(centre_code=centre_code, kek_version=version)
    nonce = os.urandom(NONCE)
    dk.wrapped = nonce + AESGCM(ring.kek(centre_code, version)).encrypt(nonce, dek, _wrap_aad(dk))
    session.add(dk)
    if flush:
        session.flush()
    return dk, dek


def unwrap(dk: DataKey | None) -> bytes:
    if dk is None or dk.wrapped is None:
        raise KeyUnavailable()
    kek = keyring().kek(dk.centre_code, dk.kek_version)
    try:
        return AESGCM(kek).decrypt(dk.wrapped[:NONCE], dk.wrapped[NONCE:], _wrap_aad(dk))
    except InvalidTag:
        raise IntegrityFailure() from None


def rewrap(dk: DataKey, new_version: int) -> None:
    """Wrap the same DEK under another KEK version (rotation: the data is not re-encrypted)."""
    dek = unwrap(dk)
    dk.kek_version = new_version
    nonce = os.urandom(NONCE)
    dk.wrapped = nonce + AESGCM(keyring().kek(dk.centre_code, new_version)).encrypt(nonce, dek, _wrap_aad(dk))


def destroy(dk: DataKey) -> None:
    dk.wrapped = None
    dk.destroyed_at = utcnow()


def field_aad(table: str, record_id: str, field: str, key_id: str) -> bytes:
    return f"{table}|{record_id}|{field}|{key_id}".encode()


def seal(dek: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE)
    return FORMAT + nonce + AESGCM(dek).encrypt(nonce, plaintext, aad)


def open_sealed(dek: bytes, sealed: bytes, aad: bytes) -> bytes:
    if not sealed or sealed[:1] != FORMAT or len(sealed) < 1 + NONCE + 16:
        raise IntegrityFailure()
    try:
        return AESGCM(dek).decrypt(sealed[1 : 1 + NONCE], sealed[1 + NONCE :], aad)
    except InvalidTag:
        raise IntegrityFailure() from None


def subkey(dek: bytes, purpose: str) -> bytes:
    """A key derived from a record's DEK for one purpose (e.g. one attachment file)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(dek)
