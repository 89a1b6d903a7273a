from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

GENESIS = "0" * 64


class AuditHead(SQLModel, table=True):
    """One row: the sequence number and hash of the newest record. Writers lock it first, so
    records are chained in one order even with concurrent writers."""

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
