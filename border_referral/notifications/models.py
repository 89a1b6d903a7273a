"""The notice table, shared by every feature."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from ..util import utcnow


class Notification(SQLModel, table=True):
    """An in-app notice to a user about one record of a feature (`subject`: the kind of record a
    feature registered, e.g. "referral"; `subject_id`: its id): the reference and what happened,
    never personal data. No foreign key to the feature's table: features come and go, notices stay."""

    __tablename__ = "notification"
    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: str = Field(foreign_key="user_account.id", index=True, max_length=36)
    subject: str = Field(max_length=32)
    subject_id: str = Field(max_length=36)
    kind: str = Field(max_length=32)
    reference: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    read_at: Optional[datetime] = None
