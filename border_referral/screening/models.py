"""Victim identification: pre-screening, the screening interview, MDT decisions, shelters.

A screening belongs to a case and is sealed under the case's own data key, so erasing the case
shreds its screenings too. Times (custody, rights, decisions) and coded values stay in clear for the
clocks and the statistics; everything said by or about the person is encrypted."""
from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Optional

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from ..centres import jurisdictions
from ..crypto.fields import Ciphertext
from ..util import manual_version, new_id, utcnow

# Groups of encrypted fields (see services.GROUPS_BY_ROLE): "facts" is what any reader of the case
# sees; "interview" (the person's account, the narrative, indicator notes) only case workers and MDT.
FACTS = "facts"
INTERVIEW = "interview"

OUTCOMES = ("victim", "at_risk", "not_victim")
NOT_VICTIM_OUTCOMES = ("release", "immigration")
INDICATOR_VALUES = ("observed", "not_observed", "unknown")
# The agencies of an MDT; which a decision needs by default is the jurisdiction profile's
# (`mdt_agencies`), until the centre sets its own (ScreeningConfig).
AGENCIES = jurisdictions.AGENCIES
DEFAULT_REQUIRED_AGENCIES = ("police", "social_development")
LANGUAGES = ("th", "my", "lo", "en", "shn", "kar", "km", "vi", "zh", "other")

# The ILO's eleven indicators of forced labour, then sexual-exploitation and child-specific items.
ILO_INDICATORS = ("abuse_of_vulnerability", "deception", "restriction_of_movement", "isolation",
                  "physical_sexual_violence", "intimidation_threats", "retention_of_documents",
                  "withholding_of_wages", "debt_bondage", "abusive_conditions", "excessive_overtime")
SEXUAL_INDICATORS = ("forced_sex_work", "controlled_earnings_sex", "advertised_for_sex", "sexual_images")
CHILD_INDICATORS = ("child_under_18_working", "child_without_guardian", "child_worst_forms", "child_not_in_school")
INDICATORS = ILO_INDICATORS + SEXUAL_INDICATORS + CHILD_INDICATORS

# The elements of trafficking (Act s.6): act, means, purpose. For a child the means are not needed.
ACTS = ("recruitment", "transport", "transfer", "harbouring", "receipt")
MEANS = ("threat", "force", "abduction", "fraud", "deception", "abuse_of_power", "abuse_of_vulnerability",
         "payment_to_controller")



def encrypted(**kw):
    return Field(default=None, sa_type=Ciphertext, **kw)


class Screening(SQLModel, table=True):
    __tablename__ = "screening"
    __encrypted__: ClassVar[dict[str, str]] = {
        "prescreen_place": FACTS, "prescreened_by": FACTS, "prescreen_indicators": FACTS,
        "first_account": INTERVIEW,
        "court_order_number": FACTS,
        "interview_place": FACTS, "interpreter": FACTS, "indicators": FACTS, "acts": FACTS, "means": FACTS,
        "narrative": INTERVIEW, "indicator_notes": INTERVIEW,
    }

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    centre_id: int = Field(foreign_key="centre.id", index=True)
    case_id: str = Field(foreign_key="case_file.id", index=True, max_length=36)
    created_by_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)

    # Pre-screening (e.g. the labour inspectors' Ror.Bor.1)
    source: Optional[str] = Field(default=None, max_length=24)
    prescreened_at: Optional[datetime] = None

    # The custody clock (s.29)
    custody_started_at: Optional[datetime] = None
    court_extension_until: Optional[datetime] = None
    custody_deadline: Optional[datetime] = Field(default=None, index=True)
    custody_ended_at: Optional[datetime] = None
    pre_shelter_from: Optional[date] = None

    # The interview
    interview_at: Optional[datetime] = None
    interview_ended_at: Optional[datetime] = None
    language: Optional[str] = Field(default=None, max_length=8)
    rights_informed_at: Optional[datetime] = None
    rights_language: Optional[str] = Field(default=None, max_length=8)
    interview_consent: Optional[bool] = None
    exploitation_codes: str = Field(default="", max_length=400)

    # The current decision (a copy of its outcome for lists and clocks)
    outcome: Optional[str] = Field(default=None, max_length=32, index=True)
    reflection_ends: Optional[date] = Field(default=None, index=True)

    prescreen_place: Optional[bytes] = encrypted()
    prescreened_by: Optional[bytes] = encrypted()
    prescreen_indicators: Optional[bytes] = encrypted()
    first_account: Optional[bytes] = encrypted()
    court_order_number: Optional[bytes] = encrypted()
    interview_place: Optional[bytes] = encrypted()
    interpreter: Optional[bytes] = encrypted()
    indicators: Optional[bytes] = encrypted()
    acts: Optional[bytes] = encrypted()
    means: Optional[bytes] = encrypted()
    narrative: Optional[bytes] = encrypted()
    indicator_notes: Optional[bytes] = encrypted()

    @property
    def exploitation_types(self) -> list[str]:
        return [c for c in self.exploitation_codes.split(",") if c]

    @declared_attr
    def __mapper_args__(cls):
        return manual_version(cls)


class ScreeningDecision(SQLModel, table=True):
    """An MDT decision, signed off when recorded. A decision is never edited: a new one supersedes
    it (with the reason for the change) and the history stays."""

    __tablename__ = "screening_decision"
    __encrypted__: ClassVar[dict[str, str]] = {"reasons": FACTS, "members": FACTS, "shelter": FACTS,
                                               "change_reason": FACTS}

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    screening_id: str = Field(foreign_key="screening.id", index=True, max_length=36)
    centre_id: int = Field(foreign_key="centre.id", index=True)
    outcome: str = Field(max_length=32)
    decided_at: datetime
    decided_on: date                     # the decision's local date at the centre
    member_agencies: str = Field(default="", max_length=200)   # ",police,social_development,"
    not_victim_outcome: Optional[str] = Field(default=None, max_length=16)
    reflection_ends: Optional[date] = None
    pre_shelter_ends: Optional[date] = None
    signed_off_by_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    signed_off_at: datetime = Field(default_factory=utcnow)
    supersedes_id: Optional[str] = Field(default=None, max_length=36)
    superseded: bool = Field(default=False)

    reasons: Optional[bytes] = encrypted()
    members: Optional[bytes] = encrypted()
    shelter: Optional[bytes] = encrypted()
    change_reason: Optional[bytes] = encrypted()


class Shelter(SQLModel, table=True):
    """The managed list of shelters a centre places people in (names of places, not of people)."""

    __tablename__ = "shelter"
    __table_args__ = (UniqueConstraint("centre_id", "name", name="uq_shelter_centre_name"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    centre_id: int = Field(foreign_key="centre.id", index=True)
    name: str = Field(max_length=200)
    active: bool = Field(default=True)


class ScreeningConfig(SQLModel, table=True):
    """Per centre: the agencies an MDT decision needs (default: police or inquiry official and a
    social development officer)."""

    __tablename__ = "screening_config"
    centre_id: int = Field(foreign_key="centre.id", primary_key=True)
    required_agencies: str = Field(default=",".join(DEFAULT_REQUIRED_AGENCIES), max_length=200)
