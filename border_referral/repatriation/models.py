"""Repatriation: a plan for one person or a group, from the host centre to the home-country partner
centre (either direction), its steps, the manifest, the handover at the crossing, the reception and
the follow-up reports.

What both sides read (step notes and details, the manifest, the handover record, reception and
follow-up reports) is sealed under a data key of the **home** centre, like a referral's package; the
host keeps the persons' case files to itself. The manifest is a snapshot of name, nationality, sex,
age, photo and travel-document status, taken when the host sends it."""
from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Optional

from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from ..crypto.fields import Ciphertext
from ..util import manual_version, new_id, utcnow

STATES = ("planning", "ready", "handed_over", "received", "stopped")
ACTIVE_STATES = ("planning", "ready", "handed_over")
STEP_KEYS = ("family_tracing", "family_assessment", "nationality_verification", "consent", "legal_clearance",
             "arrangements")
STEP_STATES = ("open", "done", "not_required", "failed")
# Which side answers for each step (both: either side may record it; both must agree in practice).
STEP_SIDE = {"family_tracing": "home", "family_assessment": "home", "nationality_verification": "home",
             "consent": "host", "legal_clearance": "host", "arrangements": "both"}
# A failed step that stops the plan (an alternative must be recorded).
STOPPING_STEPS = ("family_assessment", "consent")
ASSESSMENTS = ("safe", "not_safe", "conditions")
TRAVEL_DOCUMENTS = ("passport", "certificate_of_identity", "temporary_passport", "border_pass", "other")
CLEARANCES = ("testimony_given", "case_closed", "not_required")
OFFICIAL_SIDES = ("sending", "receiving")
# The language each country's officials read (bilingual documents: host + home language).
COUNTRY_LANGUAGE = {"TH": "th", "MM": "my", "LA": "lo"}


def encrypted(**kw):
    return Field(default=None, sa_type=Ciphertext, **kw)


class Plan(SQLModel, table=True):
    __tablename__ = "repatriation_plan"
    __encrypted__: ClassVar[dict[str, str]] = {
        "manifest": "shared", "stop_reason": "shared", "alternative": "shared", "handover": "shared",
        "reception": "shared"}

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    reference: str = Field(max_length=32, unique=True)
    host_centre_id: int = Field(foreign_key="centre.id", index=True)
    home_centre_id: int = Field(foreign_key="centre.id", index=True)
    direction: str = Field(max_length=8)               # e.g. "TH-MM": host country, home country
    crossing_code: Optional[str] = Field(default=None, max_length=16)
    planned_date: Optional[date] = Field(default=None, index=True)
    state: str = Field(default="planning", max_length=16, index=True)
    key_id: str = Field(foreign_key="data_key.id", max_length=36)
    created_by_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    manifest_sent_at: Optional[datetime] = None
    manifest_version: int = Field(default=0)
    handed_over_at: Optional[datetime] = None
    received_at: Optional[datetime] = None
    received_by_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    stay_until: Optional[date] = None
    version: int = Field(default=1)

    manifest: Optional[bytes] = encrypted()
    stop_reason: Optional[bytes] = encrypted()
    alternative: Optional[bytes] = encrypted()
    handover: Optional[bytes] = encrypted()
    reception: Optional[bytes] = encrypted()

    @declared_attr
    def __mapper_args__(cls):
        return manual_version(cls)


class PlanPerson(SQLModel, table=True):
    """A person on the plan: the host's case (never shown to the home side) and what the plan itself
    records about them (travel document, guardian or escort for a child), sealed under the plan key."""

    __tablename__ = "repatriation_person"
    __encrypted__: ClassVar[dict[str, str]] = {"travel_document": "shared", "escort": "shared"}
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    plan_id: str = Field(foreign_key="repatriation_plan.id", index=True, max_length=36)
    case_id: str = Field(foreign_key="case_file.id", index=True, max_length=36)
    case_number: str = Field(max_length=24)
    position: int = Field(default=0)
    is_child: Optional[bool] = None
    travel_document: Optional[bytes] = encrypted()
    escort: Optional[bytes] = encrypted()


class PlanStep(SQLModel, table=True):
    __tablename__ = "repatriation_step"
    __encrypted__: ClassVar[dict[str, str]] = {"note": "shared", "details": "shared"}
    id: Optional[int] = Field(default=None, primary_key=True)
    plan_id: str = Field(foreign_key="repatriation_plan.id", index=True, max_length=36)
    key: str = Field(max_length=32)
    state: str = Field(default="open", max_length=16)
    side: str = Field(max_length=8)
    done_by_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    done_by_centre_id: Optional[int] = Field(default=None, foreign_key="centre.id")
    done_at: Optional[datetime] = None
    version: int = Field(default=1)
    note: Optional[bytes] = encrypted()
    details: Optional[bytes] = encrypted()

    @declared_attr
    def __mapper_args__(cls):
        return manual_version(cls)


class FollowUp(SQLModel, table=True):
    """A follow-up report due from the home side after reception (1, 3 and 6 months by default)."""

    __tablename__ = "repatriation_follow_up"
    __encrypted__: ClassVar[dict[str, str]] = {"report": "shared"}
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    plan_id: str = Field(foreign_key="repatriation_plan.id", index=True, max_length=36)
    months: int
    due_on: date = Field(index=True)
    submitted_at: Optional[datetime] = None
    submitted_by_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    report: Optional[bytes] = encrypted()


class PlanCounter(SQLModel, table=True):
    __tablename__ = "repatriation_counter"
    centre_id: int = Field(foreign_key="centre.id", primary_key=True)
    year: int = Field(primary_key=True)
    last: int = Field(default=0)
