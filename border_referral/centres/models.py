from __future__ import annotations

from typing import Optional

from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from ..util import manual_version

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
    version: int = Field(default=1)


class CrossingPoint(NamedInFourLanguages, Versioned, SQLModel, table=True):
    __tablename__ = "crossing_point"
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True, index=True)
    name_th: str = Field(max_length=200)
    name_my: str = Field(max_length=200)
    name_lo: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    active: bool = Field(default=True)
    version: int = Field(default=1)


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
