from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from ..util import manual_version, new_id, utcnow

LANGS = ("th", "my", "lo", "en")


class NamedInFourLanguages:
    """Mixin for reference rows named in Thai, Burmese, Lao and English."""

    def name(self, locale: str | None = None) -> str:
        value = getattr(self, f"name_{locale}", None) if locale in LANGS else None
        return value or self.name_en


class Versioned:
    """Optimistic locking for rows edited by administrators."""

    @declared_attr
    def __mapper_args__(cls):
        return manual_version(cls)


class Country(NamedInFourLanguages, SQLModel, table=True):
    __tablename__ = "country"
    code: str = Field(primary_key=True, max_length=2)
    name_th: str = Field(max_length=120)
    name_my: str = Field(max_length=120)
    name_lo: str = Field(max_length=120)
    name_en: str = Field(max_length=120)


class JurisdictionSettings(Versioned, SQLModel, table=True):
    """What a network administrator changed in a country's jurisdiction profile (jurisdictions.py):
    the shipped profile is the default, `settings` (JSON) holds only the edited rules. One row per
    country, made on the first edit."""

    __tablename__ = "jurisdiction_profile"
    country: str = Field(foreign_key="country.code", primary_key=True, max_length=2)
    settings: str = Field(default="{}")
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: Optional[str] = Field(default=None, max_length=36)
    version: int = Field(default=1)


class Centre(NamedInFourLanguages, Versioned, SQLModel, table=True):
    __tablename__ = "centre"
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=8, unique=True, index=True)
    country_code: str = Field(foreign_key="country.code", max_length=2)
    timezone: str = Field(max_length=40)
    name_th: str = Field(max_length=200)
    name_my: str = Field(max_length=200)
    name_lo: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    active: bool = Field(default=True)
    # Set by the centre's administrator: everyone of the centre signs in with a second factor (TOTP).
    require_two_factor: bool = Field(default=False)
    version: int = Field(default=1)


class CrossingPoint(NamedInFourLanguages, Versioned, SQLModel, table=True):
    __tablename__ = "crossing_point"
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True, index=True)
    name_th: str = Field(max_length=200)
    name_my: str = Field(max_length=200)
    name_lo: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    # The border the crossing is on: the two countries (ISO codes). A crossing belongs to the
    # border, and any centre on that border may be listed for it.
    country_a: Optional[str] = Field(default=None, max_length=2)
    country_b: Optional[str] = Field(default=None, max_length=2)
    active: bool = Field(default=True)
    version: int = Field(default=1)

    def on_border(self, country_1: str, country_2: str) -> bool:
        return {self.country_a, self.country_b} == {country_1, country_2}


class CentreCrossing(SQLModel, table=True):
    """Which crossing points a centre works at."""

    __tablename__ = "centre_crossing"
    centre_id: int = Field(foreign_key="centre.id", primary_key=True)
    crossing_id: int = Field(foreign_key="crossing_point.id", primary_key=True)


class Partnership(NamedInFourLanguages, Versioned, SQLModel, table=True):
    """Two centres across a border, or three for the tri-country MDT meetings."""

    __tablename__ = "partnership"
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=24, unique=True, index=True)
    name_th: str = Field(max_length=300)
    name_my: str = Field(max_length=300)
    name_lo: str = Field(max_length=300)
    name_en: str = Field(max_length=300)
    active: bool = Field(default=True)
    version: int = Field(default=1)


class PartnershipMember(SQLModel, table=True):
    __tablename__ = "partnership_member"
    partnership_id: int = Field(foreign_key="partnership.id", primary_key=True)
    centre_id: int = Field(foreign_key="centre.id", primary_key=True)


PROPOSAL_STATES = ("pending", "applied", "rejected")


class PartnershipProposal(Versioned, SQLModel, table=True):
    """A change of a partnership's membership. It takes effect when an administrator of every
    centre concerned (members before and after) has approved it; one refusal stops it."""

    __tablename__ = "partnership_proposal"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    members: str = Field(max_length=400)  # centre codes, comma-separated, sorted
    previous_members: str = Field(max_length=400)
    state: str = Field(default="pending", max_length=20, index=True)
    proposed_by_id: Optional[str] = Field(default=None, max_length=36)
    proposed_by_centre_id: Optional[int] = Field(default=None, foreign_key="centre.id")
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: Optional[datetime] = None
    version: int = Field(default=1)

    @property
    def member_codes(self) -> list[str]:
        return [c for c in self.members.split(",") if c]

    @property
    def previous_codes(self) -> list[str]:
        return [c for c in self.previous_members.split(",") if c]

    @property
    def concerned_codes(self) -> list[str]:
        return sorted(set(self.member_codes) | set(self.previous_codes))


class PartnershipApproval(SQLModel, table=True):
    """One centre's answer to a proposal."""

    __tablename__ = "partnership_approval"
    proposal_id: str = Field(foreign_key="partnership_proposal.id", primary_key=True, max_length=36)
    centre_id: int = Field(foreign_key="centre.id", primary_key=True)
    decision: str = Field(max_length=16)  # "approved" | "rejected"
    user_id: Optional[str] = Field(default=None, max_length=36)
    decided_at: datetime = Field(default_factory=utcnow)


class ReferenceStamp(SQLModel, table=True):
    """One row: a random stamp that changes with every change to reference data (centres/cache.py).
    Each process keeps the reference data it last read under the stamp it read; a new stamp means
    read again. A random value, not a counter, so that a stamp never comes back with other rows
    (a database emptied and filled again, a backup put back)."""
    __tablename__ = "reference_stamp"
    id: int = Field(default=1, primary_key=True)
    stamp: str = Field(max_length=32)
