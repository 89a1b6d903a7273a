"""Erasure reaches the meeting records: an erased case is no longer named in any agenda, minutes
or action of the partnerships its centre belongs to.

Its number leaves every agenda item's references (carried-over copies included) and is blotted out
of the sealed texts where someone wrote it (titles, descriptions, translations, the discussion and
resolution of the minutes, their corrections, actions and their updates). The records themselves, a
record of what the partners discussed and decided, stay; adopted minutes are changed too, because
erasure is a legal duty that outranks the lock, and each change is on the audit record (without the
number). The texts are sealed (crypto.at_rest), so they are searched here after opening, meeting by
meeting of the owning centre's partnerships: only that centre could name its case."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlmodel import Session

from ... import audit, events
from ...cases.models import Case
from ...centres.models import PartnershipMember
from ..models import ActionItem, AgendaItem, Meeting, Minutes

BLOT = "[…]"
TEXTS = {AgendaItem: ("title", "description", "translations"), Minutes: ("items", "corrections"),
         ActionItem: ("title", "updates")}


def _pattern(number: str) -> re.Pattern:
    # The number as a whole word: CR-2570-0001 is not blotted out of CR-2570-00012.
    return re.compile(rf"(?<![A-Za-z0-9/-]){re.escape(number)}(?![A-Za-z0-9/])")


@events.case_erased.connect
def forget_erased_case(case: Case, *, session: Session) -> None:
    number = case.case_number
    pattern = _pattern(number)
    partnerships = select(PartnershipMember.partnership_id).where(PartnershipMember.centre_id == case.centre_id)
    meetings = select(Meeting.id).where(Meeting.partnership_id.in_(partnerships))
    for model in (AgendaItem, Minutes, ActionItem):
        for record in session.execute(select(model).where(model.meeting_id.in_(meetings))).scalars():
            changed = []
            if model is AgendaItem and number in record.reference_list:
                record.references = ",".join(ref for ref in record.reference_list if ref != number)
                changed.append("references")
            for field in TEXTS[model]:
                text = getattr(record, field) or ""
                blotted = pattern.sub(BLOT, text)
                if blotted != text:
                    setattr(record, field, blotted)
                    changed.append(field)
            if changed:
                ident = getattr(record, getattr(model, "__seal_id__", "id"))   # Minutes are named by their meeting
                audit.record(session, None, f"{record.__tablename__}.case_erased", (record.__tablename__, ident),
                             {"reason": "case_erased", "fields": changed})
