"""Cross-border referrals between partner centres.

What crosses the border is a *package*: the fields the sender chose, copied at sending and sealed
under a data key of the **receiving** centre (the sender's case file is never exposed). The
messages and attachments of the thread are sealed under the same key, so withdrawing the referral,
or the end of its retention period, shreds all of it at once. The sender's consent record and an
override reason stay on the sender's side, sealed under the sender's case key."""
from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Optional

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from ..crypto.fields import Ciphertext
from ..util import manual_version, new_id, utcnow

PURPOSES = ("family_tracing", "nationality_verification", "repatriation", "service", "information", "update")
STATES = ("draft", "sent", "acknowledged", "accepted", "declined", "completed", "withdrawn")
OPEN_STATES = ("sent", "acknowledged", "accepted")
ACTIONS = ("send", "acknowledge", "accept", "decline", "complete", "withdraw")
CONSENT_METHODS = ("verbal", "written", "thumbprint", "guardian")

# Fields of a case that may be shared, in the order the form shows them.
SHAREABLE = ("full_name", "latin_name", "aliases", "sex", "date_of_birth", "age_estimate", "nationality",
             "ethnicity", "languages", "id_documents", "home_address", "family_contacts", "found_date",
             "found_place", "exploitation_types", "narrative", "health")
# The minimum each purpose needs (the form starts from this; the sender may add or remove).
MINIMUM = {
    "family_tracing": ("full_name", "latin_name", "sex", "age_estimate", "date_of_birth", "nationality", "languages",
                       "home_address", "family_contacts"),
    "nationality_verification": ("full_name", "latin_name", "sex", "date_of_birth", "age_estimate", "nationality",
                                 "id_documents", "home_address"),
    "repatriation": ("full_name", "latin_name", "sex", "date_of_birth", "age_estimate", "nationality", "id_documents",
                     "home_address", "family_contacts", "languages"),
    "service": ("full_name", "sex", "age_estimate", "languages"),
    "information": ("full_name", "sex", "nationality"),
    "update": (),
}
# Which group of the case each shareable field belongs to (a sender shares only what they may see).
CLEAR_CASE_FIELDS = ("sex", "nationality", "exploitation_types")


def encrypted(**kw):
    return Field(default=None, sa_type=Ciphertext, **kw)


class Referral(SQLModel, table=True):
    __tablename__ = "referral"
    __encrypted__: ClassVar[dict[str, str]] = {"package": "package", "decline_reason": "package"}

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    reference: str = Field(max_length=32, unique=True)
    from_centre_id: int = Field(foreign_key="centre.id", index=True)
    to_centre_id: int = Field(foreign_key="centre.id", index=True)
    case_id: str = Field(foreign_key="case_file.id", index=True, max_length=36)
    case_number: str = Field(max_length=24)
    identification_status: Optional[str] = Field(default=None, max_length=32)
    purpose: str = Field(max_length=32)
    state: str = Field(default="draft", max_length=16, index=True)
    shared_fields: str = Field(default="", max_length=400)   # ",full_name,sex,"
    consent_given: bool
    consent_date: Optional[str] = Field(default=None, max_length=10)
    consent_method: Optional[str] = Field(default=None, max_length=16)
    # The ground of the sender's law the transfer rests on (a code of the sender's jurisdiction
    # profile, e.g. "consent", "mou"), which both sides read; what the sender wrote beside it may
    # name people and stays sealed with the consent record on the sender's side.
    legal_ground_code: Optional[str] = Field(default=None, max_length=32)
    override_by_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    # Where a name or id number of the package is already known to the receiving centre (field names
    # only, from blind indexes): e.g. ",full_name,id_documents,".
    duplicate_fields: str = Field(default="", max_length=200)
    # The package and the thread, under the receiving centre's key; the consent details and an
    # override reason under the sender's case key.
    package_key_id: Optional[str] = Field(default=None, foreign_key="data_key.id", max_length=36)
    created_by_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    sent_at: Optional[datetime] = None
    acknowledged_at: Optional[datetime] = None
    answered_at: Optional[datetime] = None     # accepted or declined
    closed_at: Optional[datetime] = None       # completed, declined or withdrawn
    ack_due_at: Optional[datetime] = Field(default=None, index=True)
    response_due_at: Optional[datetime] = Field(default=None, index=True)
    package_destroyed_at: Optional[datetime] = None
    version: int = Field(default=1)

    package: Optional[bytes] = encrypted()
    decline_reason: Optional[bytes] = encrypted()

    @property
    def fields(self) -> list[str]:
        return [f for f in self.shared_fields.split(",") if f]

    @property
    def duplicates(self) -> list[str]:
        return [f for f in self.duplicate_fields.split(",") if f]

    @declared_attr
    def __mapper_args__(cls):
        return manual_version(cls)


class ReferralConsent(SQLModel, table=True):
    """The sender's record of consent (guardian for a child) or of the override, on the sender's side."""

    __tablename__ = "referral_consent"
    __encrypted__: ClassVar[dict[str, str]] = {"guardian": "consent", "override_reason": "consent",
                                               "legal_ground": "consent"}
    referral_id: str = Field(foreign_key="referral.id", primary_key=True, max_length=36)
    guardian: Optional[bytes] = encrypted()
    override_reason: Optional[bytes] = encrypted()
    legal_ground: Optional[bytes] = encrypted()

    @property
    def id(self) -> str:  # the vault binds ciphertexts to the record id
        return self.referral_id


class ReferralCase(SQLModel, table=True):
    """The other persons of a group referral (a group return): the first person is the referral's
    own case; these travel with it, each with the same chosen fields."""

    __tablename__ = "referral_case"
    referral_id: str = Field(foreign_key="referral.id", primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case_file.id", primary_key=True, max_length=36)
    case_number: str = Field(max_length=24)
    position: int = Field(default=0)


class ReferralMessage(SQLModel, table=True):
    __tablename__ = "referral_message"
    __encrypted__: ClassVar[dict[str, str]] = {"body": "package"}
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    referral_id: str = Field(foreign_key="referral.id", index=True, max_length=36)
    centre_id: int = Field(foreign_key="centre.id")
    author_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    language: str = Field(max_length=8)
    created_at: datetime = Field(default_factory=utcnow)
    body: Optional[bytes] = encrypted()


class ReferralAttachment(SQLModel, table=True):
    __tablename__ = "referral_attachment"
    __encrypted__: ClassVar[dict[str, str]] = {"filename": "package"}
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    referral_id: str = Field(foreign_key="referral.id", index=True, max_length=36)
    centre_id: int = Field(foreign_key="centre.id")
    uploaded_by_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    content_type: str = Field(max_length=100)
    size: int
    file_id: Optional[str] = Field(default=None, max_length=32)
    filename: Optional[bytes] = encrypted()


class ReferralCounter(SQLModel, table=True):
    __tablename__ = "referral_counter"
    centre_id: int = Field(foreign_key="centre.id", primary_key=True)
    year: int = Field(primary_key=True)
    last: int = Field(default=0)


class Escalation(SQLModel, table=True):
    """An overdue referral put on record (once per kind) by `flask referrals escalate`."""

    __tablename__ = "referral_escalation"
    __table_args__ = (UniqueConstraint("referral_id", "kind", name="uq_escalation_referral_kind"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    referral_id: str = Field(foreign_key="referral.id", index=True, max_length=36)
    kind: str = Field(max_length=16)          # acknowledge | respond
    at: datetime = Field(default_factory=utcnow)
