"""Encrypted files: streamed, chunked AES-256-GCM.

Layout: MAGIC, an 8-byte random prefix, then chunks of (4-byte length, ciphertext+tag). Chunk i is
sealed with nonce = prefix || i (big endian) and associated data binding the file id, the chunk
index and whether it is the last chunk, so reordered, dropped, duplicated or truncated chunks and
appended data all fail to authenticate. Each file has its own key, derived from its record's data
key, so destroying the data key (erasure) makes the files unreadable too. Files are named by a
random id, never by anything about their content."""
from __future__ import annotations

import os
import secrets
import struct
from pathlib import Path
from typing import BinaryIO, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

from .errors import IntegrityFailure

MAGIC = b"BRF1"
CHUNK = 64 * 1024
PREFIX = 8
TAG = 16


def store_dir() -> Path:
    configured = current_app.config.get("ATTACHMENT_DIR")
    path = Path(configured) if configured else Path(current_app.config["BORDER_REFERRAL_INSTANCE"]) / "attachments"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _path(file_id: str) -> Path:
    if not file_id or not all(c in "0123456789abcdef" for c in file_id):
        raise IntegrityFailure()
    return store_dir() / file_id[:2] / file_id


def _aad(file_id: str, index: int, last: bool) -> bytes:
    return f"file|{file_id}|{index}|{int(last)}".encode()


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def write(key: bytes, source: BinaryIO) -> tuple[str, int]:
    """Encrypt `source` into a new file; return (file id, plaintext size)."""
    file_id = secrets.token_hex(16)
    path = _path(file_id)
    path.parent.mkdir(exist_ok=True, mode=0o700)
    aead, prefix, size, index = AESGCM(key), os.urandom(PREFIX), 0, 0
    tmp = path.with_suffix(".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(MAGIC + prefix)
            chunk = source.read(CHUNK)
            while True:
                following = source.read(CHUNK) if chunk else b""
                last = not following
                sealed = aead.encrypt(_nonce(prefix, index), chunk, _aad(file_id, index, last))
                out.write(struct.pack(">I", len(sealed)) + sealed)
                size += len(chunk)
                index += 1
                if last:
                    break
                chunk = following
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return file_id, size


def read(key: bytes, file_id: str) -> Iterator[bytes]:
    """Yield the plaintext chunk by chunk; any tampering raises IntegrityFailure."""
    path = _path(file_id)
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise IntegrityFailure() from None
    aead = AESGCM(key)
    with fh:
        head = fh.read(len(MAGIC) + PREFIX)
        if len(head) != len(MAGIC) + PREFIX or head[: len(MAGIC)] != MAGIC:
            raise IntegrityFailure()
        prefix, index = head[len(MAGIC):], 0
        header = fh.read(4)
        while True:
            if len(header) != 4:
                raise IntegrityFailure()  # truncated before the last chunk
            (length,) = struct.unpack(">I", header)
            if length < TAG or length > CHUNK + TAG:
                raise IntegrityFailure()
            sealed = fh.read(length)
            if len(sealed) != length:
                raise IntegrityFailure()
            header = fh.read(4)
            last = header == b""
            try:
                yield aead.decrypt(_nonce(prefix, index), sealed, _aad(file_id, index, last))
            except InvalidTag:
                raise IntegrityFailure() from None
            if last:
                return
            index += 1


def read_all(key: bytes, file_id: str) -> bytes:
    return b"".join(read(key, file_id))


def delete(file_id: str) -> None:
    try:
        _path(file_id).unlink()
    except FileNotFoundError:
        pass
