"""Key rotation: a new KEK version for a centre, every data key rewrapped under it (the data itself
is not re-encrypted), then the old versions retired (their key material destroyed).

Interruption is harmless: the new version is written to the key ring before any data key is
rewrapped, rewrapping commits in batches, and old versions are retired only once no data key uses
them. Until then every data key is readable under the version it names; running the rotation again
finishes the job."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from .. import audit
from ..database import session_scope
from . import envelope
from .models import DataKey

BATCH = 200


@dataclass
class RotationResult:
    centre: str
    version: int
    rewrapped: int
    retired: list[int]


def rotate(centre_code: str, *, batch: int = BATCH, after_batch=None) -> RotationResult:
    ring = envelope.keyring()
    ring.ensure_centre(centre_code)
    new = ring.add_version(centre_code)
    done = 0
    while True:
        with session_scope() as s:
            keys = s.execute(
                select(DataKey).where(DataKey.centre_code == centre_code, DataKey.kek_version != new,
                                      DataKey.wrapped.is_not(None)).limit(batch)
            ).scalars().all()
            for dk in keys:
                envelope.rewrap(dk, new)
            done += len(keys)
        if after_batch is not None:
            after_batch(done)
        if len(keys) < batch:
            break
    with session_scope() as s:
        in_use = set(s.execute(select(DataKey.kek_version).where(
            DataKey.centre_code == centre_code, DataKey.wrapped.is_not(None)).group_by(DataKey.kek_version)).scalars())
        old = [v for v, state in ring.versions(centre_code).items() if v != new and v not in in_use and state != "retired"]
        ring.retire(centre_code, old)
        audit.record(s, None, "keys.rotate", ("centre", centre_code), {"version": new, "rewrapped": done, "retired": old})
    return RotationResult(centre_code, new, done, old)


def pending(centre_code: str) -> int:
    with session_scope() as s:
        active = envelope.keyring().active_version(centre_code)
        return s.execute(select(func.count(DataKey.id)).where(
            DataKey.centre_code == centre_code, DataKey.kek_version != active, DataKey.wrapped.is_not(None))).scalar_one()
