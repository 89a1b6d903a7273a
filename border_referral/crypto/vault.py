"""The one place where personal data is encrypted and decrypted.

A Vault is opened on a record's data key. `write` seals values into the record's encrypted
columns; `read` (one record) and `read_many` (a list: notes, messages, file names) open them and
write the audit record of the read (actor, action, target and the names of the fields, never their
content). Services open a vault only after their permission check.

`decrypt_unaudited` is the exception, named so that it stands out in review: only for working
documents sealed at rest whose reads are not audited one by one (crypto.at_rest: meeting records),
for values that are never shown to anyone (recomputing derived fields after an update, copying
shared fields into a referral package whose sending is itself audited), or for a list spread over
many vaults whose caller records the one audit record of the page itself.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Iterable

from sqlmodel import Session

from .. import audit
from . import envelope, files
from .errors import IntegrityFailure
from .fields import Sealed
from .models import DataKey

log = logging.getLogger("border_referral.crypto")


class Vault:
    def __init__(self, session: Session, data_key: DataKey, dek: bytes):
        self.session = session
        self.data_key = data_key
        self._dek = dek

    # ------------------------------------------------------------ opening
    @classmethod
    def create(cls, session: Session, centre_code: str) -> "Vault":
        dk, dek = envelope.new_data_key(session, centre_code)
        return cls(session, dk, dek)

    @classmethod
    def open(cls, session: Session, data_key_id: str, *, target: Any = None) -> "Vault":
        dk = session.get(DataKey, data_key_id)
        try:
            dek = envelope.unwrap(dk)
        except IntegrityFailure:
            _report("data_key", target)
            raise
        return cls(session, dk, dek)

    @property
    def key_id(self) -> str:
        return self.data_key.id

    # ------------------------------------------------------------ fields
    def _aad(self, obj, field: str) -> bytes:
        # The column naming the row: `id`, or another declared by `__seal_id__` (crypto.at_rest).
        ident = getattr(obj, getattr(type(obj), "__seal_id__", "id"))
        return envelope.field_aad(obj.__tablename__, str(ident), field, self.key_id)

    def write(self, obj, values: dict[str, Any]) -> None:
        """Seal each value (any JSON value; None clears the field) into obj's column of that name."""
        allowed = getattr(type(obj), "__encrypted__", {})
        for field, value in values.items():
            if field not in allowed:
                raise KeyError(f"{type(obj).__name__}.{field} is not an encrypted field")
            if value is None:
                setattr(obj, field, None)
                continue
            raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
            setattr(obj, field, Sealed(envelope.seal(self._dek, raw, self._aad(obj, field))))

    def decrypt_unaudited(self, obj, fields: Iterable[str]) -> dict[str, Any]:
        """Decrypt without an audit record: see the module's docstring for the few callers allowed."""
        out = {}
        for field in fields:
            sealed = getattr(obj, field)
            if sealed is None:
                out[field] = None
                continue
            try:
                out[field] = json.loads(envelope.open_sealed(self._dek, bytes(sealed), self._aad(obj, field)))
            except IntegrityFailure:
                _report(f"{obj.__tablename__}.{field}", obj)
                raise
        return out

    def read(self, obj, fields: Iterable[str], *, actor, action: str, target: Any = None,
             details: dict | None = None) -> dict[str, Any]:
        """Decrypt for an authorised caller and put the read on the record."""
        fields = list(fields)
        values = self.decrypt_unaudited(obj, fields)
        shown = sorted(f for f, v in values.items() if v not in (None, "", [], {}))
        audit.record(self.session, actor, action, target if target is not None else obj,
                     {"fields": shown, **(details or {})}, read=True)
        return values

    def read_many(self, objs: Iterable, fields: Iterable[str], *, actor, action: str, target: Any,
                  details: dict | None = None) -> list[dict[str, Any]]:
        """Decrypt the same fields of several records under this key (a thread, a list of notes) and
        put the read on record once, on `target`. Nothing is recorded for an empty list."""
        objs, fields = list(objs), list(fields)
        values = [self.decrypt_unaudited(obj, fields) for obj in objs]
        if objs:
            audit.record(self.session, actor, action, target, {"records": len(objs), "fields": fields,
                                                                 **(details or {})}, read=True)
        return values

    # ------------------------------------------------------------ files
    def file_key(self, file_id_purpose: str) -> bytes:
        return envelope.subkey(self._dek, f"file|{file_id_purpose}")

    def write_file(self, purpose: str, source) -> tuple[str, int]:
        return files.write(self.file_key(purpose), source)

    def read_file(self, purpose: str, file_id: str) -> bytes:
        try:
            return files.read_all(self.file_key(purpose), file_id)
        except IntegrityFailure:
            _report("file", purpose)
            raise


def _report(what: str, target: Any) -> None:
    ident = getattr(target, "id", target)
    log.error("integrity failure", extra={"event": "crypto.integrity_failure", "error_type": what,
                                          "target": None if ident is None else str(ident)})
