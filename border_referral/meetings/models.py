"""Joint meetings of a partnership's secretariats: numbered meetings in a series, agendas proposed by
each country, participants and attendance, minutes in the Thai official form, and action items
carried into the next meeting's matters arising.

Agendas and minutes name cases and referrals by reference number only, never people: they are
working documents of the partnership, not personal data, and are kept in clear."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

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
    chair_name: Optional[str] = Field(default=None, max_length=200)
    chair_centre_id: Optional[int] = Field(default=None, foreign_key="centre.id")
    starts_at: datetime
    venue: str = Field(max_length=300)
    languages: str = Field(default="", max_length=40)   # "th,my,en"
    state: str = Field(default="agenda_open", max_length=20, index=True)
    agenda_version: int = Field(default=1)
    # Sections 2 and 3 as they stood when the agenda closed: {"minutes_of": id, "actions": [ids]}.
    arising: Optional[str] = Field(default=None, max_length=20000)
    created_by_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)

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
    title: str = Field(max_length=500)
    description: str = Field(default="", max_length=5000)
    language: str = Field(default="en", max_length=8)
    translations: str = Field(default="{}", max_length=20000)   # JSON {lang: {"title", "description"}}
    type: str = Field(max_length=16)
    status: str = Field(default="proposed", max_length=16)
    section: Optional[int] = None
    position: int = Field(default=0)
    merged_into_id: Optional[str] = Field(default=None, max_length=36)
    deferred_from_id: Optional[str] = Field(default=None, max_length=36)
    references: str = Field(default="", max_length=1000)         # case numbers / referral references
    created_by_id: Optional[str] = Field(default=None, foreign_key="user_account.id", max_length=36)
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def reference_list(self) -> list[str]:
        return [r for r in self.references.split(",") if r]


class Participant(SQLModel, table=True):
    __tablename__ = "meeting_participant"
    id: Optional[int] = Field(default=None, primary_key=True)
    meeting_id: str = Field(foreign_key="meeting.id", index=True, max_length=36)
    centre_id: int = Field(foreign_key="centre.id")
    name: str = Field(max_length=200)
    position: str = Field(default="", max_length=200)
    agency: str = Field(default="", max_length=200)
    attendance: str = Field(default="invited", max_length=16)


class Minutes(SQLModel, table=True):
    """The minutes of a meeting (Thai official form): drafted in one language, each item's discussion
    and resolution with translations; checked, then adopted at the next meeting and locked."""

    __tablename__ = "meeting_minutes"
    meeting_id: str = Field(foreign_key="meeting.id", primary_key=True, max_length=36)
    language: str = Field(default="en", max_length=8)
    opened_at: Optional[str] = Field(default=None, max_length=5)     # HH:MM local
    closed_at: Optional[str] = Field(default=None, max_length=5)
    others_attending: str = Field(default="", max_length=2000)
    recorder: str = Field(default="", max_length=200)
    checker: str = Field(default="", max_length=200)
    items: str = Field(default="{}", max_length=200000)   # JSON {item_id: {"discussion", "resolution", "translations"}}
    state: str = Field(default="draft", max_length=16)
    adopted_at: Optional[datetime] = None
    adopted_in_meeting_id: Optional[str] = Field(default=None, max_length=36)
    corrections: str = Field(default="[]", max_length=50000)
    version: int = Field(default=1)

    @declared_attr
    def __mapper_args__(cls):
        return manual_version(cls)


class ActionItem(SQLModel, table=True):
    __tablename__ = "meeting_action"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    meeting_id: str = Field(foreign_key="meeting.id", index=True, max_length=36)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    agenda_item_id: Optional[str] = Field(default=None, max_length=36)
    title: str = Field(max_length=1000)
    owner_centre_id: int = Field(foreign_key="centre.id", index=True)
    due: date
    status: str = Field(default="open", max_length=16, index=True)
    updates: str = Field(default="[]", max_length=50000)    # JSON [{"at", "by", "status", "note"}]
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)

    @declared_attr
    def __mapper_args__(cls):
        return manual_version(cls)
