from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Optional

from sqlalchemy import Index
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from ..crypto.fields import Ciphertext
from ..util import new_id, utcnow

STATUSES = ("open", "in_shelter", "repatriation_pending", "closed")
SEXES = ("female", "male", "other", "unknown")
EXPLOITATION_TYPES = ("prostitution", "pornography", "other_sexual_exploitation", "slavery", "forced_begging",
                      "forced_labour", "organ_removal", "similar_practices", "forced_criminality", "forced_marriage")
REFERRAL_SOURCES = ("hotline_1300", "protect_u", "labour_hotline_1546", "labour_inspection", "police", "immigration",
                    "ngo", "embassy", "partner_centre", "volunteer", "family_public", "self")
ID_TYPES = ("passport", "national_id", "border_pass", "work_permit", "other")
ERASE_REASONS = ("duplicate", "entered_in_error", "data_subject_request", "retention_expired")

# Which group each encrypted field belongs to; roles see groups (services.GROUPS_BY_ROLE).
IDENTITY = "identity"
FACTS = "facts"
HEALTH = "health"
SEXUAL = "sexual"


def encrypted(**kw):
    return Field(default=None, sa_type=Ciphertext, **kw)


class Case(SQLModel, table=True):
    """Coded, non-identifying fields stay in clear (for statistics); every personal field is a
    Ciphertext column sealed under the case's own data key."""

    __tablename__ = "case_file"
    # The case list walks a centre's cases newest first, with or without a status, and counts them by
    # status: without these the database sorts every case of the centre on each page (issue 15).
    __table_args__ = (Index("ix_case_file_centre_created", "centre_id", "created_at"),
                      Index("ix_case_file_centre_status_created", "centre_id", "status", "created_at"))
    __encrypted__: ClassVar[dict[str, str]] = {
        "full_name": IDENTITY, "latin_name": IDENTITY, "aliases": IDENTITY, "date_of_birth": IDENTITY,
        "age_estimate": IDENTITY, "ethnicity": IDENTITY, "languages": IDENTITY, "id_documents": IDENTITY,
        "home_address": IDENTITY, "family_contacts": IDENTITY,
        "found_date": FACTS, "found_place": FACTS, "narrative": FACTS, "shelter": FACTS,
        "health": HEALTH, "sexual_exploitation": SEXUAL,
    }

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    centre_id: int = Field(foreign_key="centre.id", index=True)
    case_number: str = Field(max_length=24, unique=True)
    fiscal_year: int
    seq: int
    data_key_id: str = Field(foreign_key="data_key.id", max_length=36)
    status: str = Field(default="open", max_length=24, index=True)
    sex: str = Field(max_length=8)
    nationality: str = Field(max_length=10, index=True)
    is_child: Optional[bool] = None
    found_month: Optional[str] = Field(default=None, max_length=7)  # YYYY-MM
    # Codes between commas (",forced_labour,slavery,") so that one portable LIKE filters them.
    exploitation_codes: str = Field(default="", max_length=400)
    referral_source: Optional[str] = Field(default=None, max_length=24)
    assigned_to_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    created_by_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)
    erased_at: Optional[datetime] = None
    erase_reason: Optional[str] = Field(default=None, max_length=24)

    full_name: Optional[bytes] = encrypted()
    latin_name: Optional[bytes] = encrypted()
    aliases: Optional[bytes] = encrypted()
    date_of_birth: Optional[bytes] = encrypted()
    age_estimate: Optional[bytes] = encrypted()
    ethnicity: Optional[bytes] = encrypted()
    languages: Optional[bytes] = encrypted()
    id_documents: Optional[bytes] = encrypted()
    home_address: Optional[bytes] = encrypted()
    family_contacts: Optional[bytes] = encrypted()
    found_date: Optional[bytes] = encrypted()
    found_place: Optional[bytes] = encrypted()
    narrative: Optional[bytes] = encrypted()
    shelter: Optional[bytes] = encrypted()
    health: Optional[bytes] = encrypted()
    sexual_exploitation: Optional[bytes] = encrypted()

    @property
    def exploitation_types(self) -> list[str]:
        return [c for c in self.exploitation_codes.split(",") if c]

    @declared_attr
    def __mapper_args__(cls):
        # Optimistic locking: UPDATE ... WHERE version = <the version read>; 0 rows -> StaleDataError.
        return {"version_id_col": cls.__table__.c.version}


class CaseCounter(SQLModel, table=True):
    """The last case number used per centre and Thai fiscal year."""

    __tablename__ = "case_counter"
    centre_id: int = Field(foreign_key="centre.id", primary_key=True)
    fiscal_year: int = Field(primary_key=True)
    last: int = Field(default=0)


class CaseIndex(SQLModel, table=True):
    """Blind-index digests of a case's names and id numbers (no values)."""

    __tablename__ = "case_index"
    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case_file.id", index=True, max_length=36)
    centre_id: int = Field(foreign_key="centre.id")
    digest: str = Field(max_length=64, index=True)


class CaseNote(SQLModel, table=True):
    __tablename__ = "case_note"
    __encrypted__: ClassVar[dict[str, str]] = {"body": FACTS}
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case_file.id", index=True, max_length=36)
    author_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    body: Optional[bytes] = encrypted()


class Attachment(SQLModel, table=True):
    __tablename__ = "case_attachment"
    __encrypted__: ClassVar[dict[str, str]] = {"filename": FACTS}
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case_file.id", index=True, max_length=36)
    uploaded_by_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    content_type: str = Field(max_length=100)
    size: int
    file_id: Optional[str] = Field(default=None, max_length=32)
    filename: Optional[bytes] = encrypted()
