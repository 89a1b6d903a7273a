"""Minutes in the Thai official form: written by the host secretariat once the agenda is closed,
checked by the checker, adopted at the next meeting of the series (once its agenda is closed), and
after that changed only by a recorded correction."""
from __future__ import annotations

import json
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from ... import audit
from ...errors import ValidationError
from ...i18n import LANGUAGES
from ...inputs import text as _text
from ...util import utcnow
from ..models import AgendaItem, Minutes
from ._common import (RECORDING, StateConflict, _check_version, _fits, _host_only, _json, _per_language, _save,
                      meeting_for, next_meeting)
from .action_items import open_actions_before


def minutes_of(session: Session, meeting_id: str) -> Minutes | None:
    return session.get(Minutes, meeting_id)


def _hhmm(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
        raise ValidationError(_l("Enter a time as HH:MM."), field=key)
    return value


def _entry(entry: dict) -> dict:
    """The minutes of one agenda entry: its discussion and resolution, and their translations."""
    discussion = _text(entry, "discussion", limit=20000) or ""
    resolution = _text(entry, "resolution", limit=5000) or ""
    translations = _per_language(entry.get("translations"), {"discussion": 20000, "resolution": 5000})
    return {"discussion": discussion, "resolution": resolution,
            "translations": {lang: {name: value or "" for name, value in texts.items()}
                             for lang, texts in translations.items()}}


def save_minutes(session: Session, actor, meeting_id: str, data: dict) -> Minutes:
    m = meeting_for(session, actor, meeting_id)
    _host_only(actor, m)
    if m.state not in RECORDING:
        raise StateConflict(_l("Minutes are written once the agenda is closed, and locked once adopted."))
    mins = session.get(Minutes, m.id)
    if mins is not None and mins.state == "adopted":
        raise StateConflict(_l("Adopted minutes cannot be edited; record a correction instead."))
    language = data.get("language") or "en"
    if language not in LANGUAGES:
        raise ValidationError(_l("Choose one of the listed values."), field="language")
    opened, closed = _hhmm(data, "opened_at"), _hhmm(data, "closed_at")
    if opened and closed and closed < opened:
        raise ValidationError(_l("The end cannot be before the start."), field="closed_at")
    items = data.get("items") or {}
    if not isinstance(items, dict):
        raise ValidationError(_l("The minutes of the items are not valid."), field="items")
    known = {i.id for i in session.execute(select(AgendaItem).where(AgendaItem.meeting_id == m.id)).scalars()}
    known |= {a.id for a, _m in open_actions_before(session, m)} | {"minutes"}
    clean = {}
    for key, entry in items.items():
        if key not in known or not isinstance(entry, dict):
            raise ValidationError(_l("The minutes of the items are not valid."), field="items")
        clean[key] = _entry(entry)
    if mins is None:
        mins = Minutes(meeting_id=m.id)
    else:  # someone saved minutes already: only a save based on them may replace them
        _check_version(mins, data.get("version"))
    mins.language, mins.opened_at, mins.closed_at = language, opened, closed
    mins.others_attending = _text(data, "others_attending", limit=2000) or ""
    mins.recorder, mins.checker = _text(data, "recorder") or "", _text(data, "checker") or ""
    mins.items = _fits(_json(clean), 200000, "items")
    mins.state = "draft"
    _save(session, mins)
    if m.state != "minutes_draft":
        m.state = "minutes_draft"
        _save(session, m)
    audit.record(session, actor, "meeting.minutes_save", m, {"items": len(clean)})
    return mins


def check_minutes(session: Session, actor, meeting_id: str) -> Minutes:
    """The checker has read the draft: it can now be put to the next meeting for adoption."""
    m = meeting_for(session, actor, meeting_id)
    _host_only(actor, m)
    mins = session.get(Minutes, m.id)
    if mins is None:
        raise StateConflict(_l("There are no minutes yet."))
    if mins.state == "checked":
        return mins
    if mins.state != "draft":
        raise StateConflict()
    if not mins.recorder or not mins.checker:
        raise ValidationError(_l("Name the recorder and the checker of the minutes."), field="checker")
    mins.state = "checked"
    _save(session, mins)
    audit.record(session, actor, "meeting.minutes_check", m, {})
    return mins


def adoptable_at(later) -> bool:
    """Minutes are adopted at the next meeting itself, once its agenda is closed."""
    return later.state not in ("planned", "agenda_open")


def adopt_minutes(session: Session, actor, meeting_id: str, in_meeting_id: str) -> Minutes:
    """Adopt a meeting's minutes at a later meeting of the series (its item 2); they are locked then."""
    m = meeting_for(session, actor, meeting_id)
    later = meeting_for(session, actor, in_meeting_id)
    _host_only(actor, later)
    following = next_meeting(session, m)
    if later.partnership_id != m.partnership_id or following is None or later.id != following.id:
        raise ValidationError(_l("Minutes are adopted at the next meeting of the same series."), field="in_meeting")
    if not adoptable_at(later):
        raise StateConflict(_l("Minutes are adopted at the next meeting itself, once its agenda is closed."))
    mins = session.get(Minutes, m.id)
    if mins is not None and mins.state == "adopted":
        return mins
    if mins is None or mins.state != "checked":
        raise StateConflict(_l("These minutes are still a draft: they must be checked before they can be adopted."))
    mins.state, mins.adopted_at, mins.adopted_in_meeting_id = "adopted", utcnow(), later.id
    _save(session, mins)
    m.state = "minutes_adopted"
    _save(session, m)
    audit.record(session, actor, "meeting.minutes_adopt", m, {"in_meeting": later.id})
    return mins


def correct_minutes(session: Session, actor, meeting_id: str, data: dict) -> Minutes:
    """After adoption the minutes change only by a recorded correction (kept beside the text)."""
    m = meeting_for(session, actor, meeting_id)
    _host_only(actor, m)
    mins = session.get(Minutes, m.id)
    if mins is None or mins.state != "adopted":
        raise StateConflict(_l("Only adopted minutes are corrected; edit a draft directly."))
    text = _text(data, "text", required=True, limit=5000)
    reason = _text(data, "reason", required=True, limit=2000)
    corrections = json.loads(mins.corrections)
    corrections.append({"at": utcnow().isoformat(), "by": actor.centre_code, "item": str(data.get("item") or "")[:36],
                        "text": text, "reason": reason})
    mins.corrections = _fits(_json(corrections), 50000, "text")
    _save(session, mins)
    audit.record(session, actor, "meeting.minutes_correct", m, {"corrections": len(corrections)})
    return mins
