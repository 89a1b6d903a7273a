from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

GENESIS = "0" * 64


class AuditHead(SQLModel, table=True):
    """One row: the sequence number and hash of the newest record. A committing unit of work locks it
    just before its commit (audit.services), so records are chained in one order even with concurrent
    writers, and the lock is held only for the commit itself."""

    __tablename__ = "audit_head"
    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0)
    last_hash: str = Field(default=GENESIS, max_length=64)


class AuditRecord(SQLModel, table=True):
    __tablename__ = "audit_record"
    seq: int = Field(primary_key=True)
    at: datetime
    actor_id: Optional[str] = Field(default=None, max_length=36, index=True)
    actor_centre: Optional[str] = Field(default=None, max_length=8, index=True)
    action: str = Field(max_length=80, index=True)
    target_type: Optional[str] = Field(default=None, max_length=40)
    target_id: Optional[str] = Field(default=None, max_length=64, index=True)
    details: str = Field(default="{}")
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    # The version of the key ring's audit key that the hash is an HMAC under; None for the records of
    # releases before 0017, chained with plain SHA-256 (only allowed before the key's `from_seq`).
    key_version: Optional[int] = None


class AuditCheckpoint(SQLModel, table=True):
    """A signed statement of the chain's head at a moment: "record `seq` has hash `hash`". Each one
    is also appended to a file outside the database (AUDIT_CHECKPOINT_FILE) and may be sent to a
    partner: `flask audit verify` then notices records cut off after it, even if the database's own
    copy of the checkpoints was removed too."""

    __tablename__ = "audit_checkpoint"
    seq: int = Field(primary_key=True)
    hash: str = Field(max_length=64)
    at: datetime
    key_version: int
    mac: str = Field(max_length=64)
