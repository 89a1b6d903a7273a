"""Joint meetings of a partnership's secretariats: numbered meetings in a series, agendas proposed by
each country, participants and attendance, minutes in the Thai official form, and action items
carried into the next meeting's matters arising.

Agendas and minutes name cases and referrals by reference number only, never victims: they are working
documents of the partnership, read by every member centre and not audited read by read. They do name
officials and cases, so since release 0015 their texts are sealed at rest (crypto.at_rest) under one data
key per meeting, wrapped by the host centre's KEK: the database and its backups hold them only encrypted.
Their codes, states, dates and ordering stay in clear for the lists and the clocks."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from ..crypto import at_rest
from ..crypto.fields import Ciphertext
from ..util import manual_version, new_id, utcnow

STATES = ("planned", "agenda_open", "agenda_closed", "held", "minutes_draft", "minutes_adopted")
ITEM_TYPES = ("information", "decision", "other")
ITEM_STATUSES = ("proposed", "accepted", "deferred", "merged", "rejected")
# The standard Thai agenda: 1 chair's announcements, 2 adoption of the previous minutes, 3 matters
# arising, 4 for information, 5 for decision, 6 other business.
SECTIONS = (1, 2, 3, 4, 5, 6)
SECTION_OF_TYPE = {"information": 4, "decision": 5, "other": 6}
# Where a proposed item of each type may be ordered (2 and 3 are filled by the system).
ALLOWED_SECTIONS = {"information": (1, 4), "decision": (5,), "other": (6,)}
ACTION_STATUSES = ("open", "in_progress", "done", "dropped")
OPEN_ACTION_STATUSES = ("open", "in_progress")
ATTENDANCE = ("invited", "present", "absent")
MINUTES_STATES = ("draft", "checked", "adopted")


def sealed(optional: bool = False, **kw):
    """A text sealed at rest (see crypto.at_rest): plain in Python, ciphertext in the database.
    Lengths are checked by the services (refused, never truncated)."""
    return Field(sa_type=Ciphertext, nullable=optional, **kw)


def key_column():
    return Field(default=None, foreign_key="data_key.id", max_length=36)


class Meeting(SQLModel, table=True):
    __tablename__ = "meeting"
    __table_args__ = (UniqueConstraint("partnership_id", "number", name="uq_meeting_series_number"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    number: int
    year: int                                   # C.E. year of the meeting at the host; shown in B.E. in Thai
    host_centre_id: int = Field(foreign_key="centre.id")
    # Who chairs the meeting (printed in the header of the minutes): a person of a member centre, the
    # host centre by default. Meetings planned before release 0010 had none recorded.
    chair_name: Optional[str] = sealed(True, default=None)
    chair_centre_id: Optional[int] = Field(default=None, foreign_key="centre.id")
    starts_at: datetime
    venue: str = sealed()
    languages: str = Field(default="", max_length=40)   # "th,my,en"
    state: str = Field(default="agenda_open", max_length=20, index=True)
    # Every change of the agenda counts here (a proposal, a decision, a placing): internal only. The
    # version shown to people is that of the agenda sent out (services.issued_versions); the lock of
    # the row is `version`.
    agenda_version: int = Field(default=1)
    # Sections 2 and 3 as they stood when the agenda closed: {"minutes_of": id, "actions": [ids]}.
    arising: Optional[str] = sealed(True, default=None)   # JSON; the actions' titles too
    created_by_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)
    key_id: Optional[str] = key_column()

    __encrypted__ = ("chair_name", "venue", "arising")

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]

    @declared_attr
    def __mapper_args__(cls):
        return manual_version(cls)


class AgendaItem(SQLModel, table=True):
    __tablename__ = "agenda_item"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    meeting_id: str = Field(foreign_key="meeting.id", index=True, max_length=36)
    proposing_centre_id: Optional[int] = Field(default=None, foreign_key="centre.id")
    title: str = sealed()
    description: str = sealed(default="")
    language: str = Field(default="en", max_length=8)
    translations: str = sealed(default="{}")   # JSON {lang: {"title", "description"}}
    type: str = Field(max_length=16)
    status: str = Field(default="proposed", max_length=16)
    section: Optional[int] = None
    position: int = Field(default=0)
    merged_into_id: Optional[str] = Field(default=None, max_length=36)
    deferred_from_id: Optional[str] = Field(default=None, max_length=36)
    references: str = sealed(default="")         # case numbers / referral references
    created_by_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    key_id: Optional[str] = key_column()

    __encrypted__ = ("title", "description", "translations", "references")

    @property
    def reference_list(self) -> list[str]:
        return [r for r in self.references.split(",") if r]


class Participant(SQLModel, table=True):
    __tablename__ = "meeting_participant"
    id: Optional[int] = Field(default=None, primary_key=True)
    meeting_id: str = Field(foreign_key="meeting.id", index=True, max_length=36)
    centre_id: int = Field(foreign_key="centre.id")
    name: str = sealed()
    position: str = sealed(default="")
    agency: str = sealed(default="")
    attendance: str = Field(default="invited", max_length=16)
    # The row's name in the sealed fields' associated data (its integer id exists only after insert).
    uid: str = Field(default_factory=new_id, max_length=36)
    key_id: Optional[str] = key_column()

    __encrypted__ = ("name", "position", "agency")
    __seal_id__ = "uid"


class Minutes(SQLModel, table=True):
    """The minutes of a meeting (Thai official form): drafted in one language, each item's discussion
    and resolution with translations; checked, then adopted at the next meeting and locked."""

    __tablename__ = "meeting_minutes"
    meeting_id: str = Field(foreign_key="meeting.id", primary_key=True, max_length=36)
    language: str = Field(default="en", max_length=8)
    opened_at: Optional[str] = Field(default=None, max_length=5)     # HH:MM local
    closed_at: Optional[str] = Field(default=None, max_length=5)
    others_attending: str = sealed(default="")
    recorder: str = sealed(default="")
    checker: str = sealed(default="")
    items: str = sealed(default="{}")   # JSON {item_id: {"discussion", "resolution", "translations"}}
    state: str = Field(default="draft", max_length=16)
    adopted_at: Optional[datetime] = None
    adopted_in_meeting_id: Optional[str] = Field(default=None, max_length=36)
    corrections: str = sealed(default="[]")
    version: int = Field(default=1)
    key_id: Optional[str] = key_column()

    __encrypted__ = ("others_attending", "recorder", "checker", "items", "corrections")
    __seal_id__ = "meeting_id"

    @declared_attr
    def __mapper_args__(cls):
        return manual_version(cls)


class ActionItem(SQLModel, table=True):
    __tablename__ = "meeting_action"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    meeting_id: str = Field(foreign_key="meeting.id", index=True, max_length=36)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    agenda_item_id: Optional[str] = Field(default=None, max_length=36)
    title: str = sealed()
    owner_centre_id: int = Field(foreign_key="centre.id", index=True)
    due: date
    status: str = Field(default="open", max_length=16, index=True)
    updates: str = sealed(default="[]")    # JSON [{"at", "by", "status", "note"}]
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)
    key_id: Optional[str] = key_column()

    __encrypted__ = ("title", "updates")

    @declared_attr
    def __mapper_args__(cls):
        return manual_version(cls)


# ---------------------------------------------------------------- sealed at rest
def _meeting_key(session, meeting: Meeting) -> str:
    """A meeting's own data key, wrapped by its host centre's KEK."""
    from ..centres.models import Centre

    return at_rest.new_key(session, session.get(Centre, meeting.host_centre_id).code)


def _key_of_meeting(session, record) -> str:
    """The records of a meeting are sealed under the meeting's key."""
    meeting = session.get(Meeting, record.meeting_id)
    if meeting.key_id is None:
        meeting.key_id = _meeting_key(session, meeting)
    return meeting.key_id


at_rest.register(Meeting, _meeting_key)
for _model in (AgendaItem, Participant, Minutes, ActionItem):
    at_rest.register(_model, _key_of_meeting)
