from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel

from ..util import new_id, utcnow


class DataKey(SQLModel, table=True):
    """A record's data key (DEK), stored only wrapped by its centre's KEK. Destroying `wrapped`
    (crypto-shredding) makes every field and file under it unreadable for good."""

    __tablename__ = "data_key"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    centre_code: str = Field(max_length=8, index=True)
    kek_version: int
    wrapped: Optional[bytes] = Field(default=None, sa_type=LargeBinary)
    created_at: datetime = Field(default_factory=utcnow)
    destroyed_at: Optional[datetime] = None
