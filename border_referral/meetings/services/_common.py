"""What the meeting services share: the roles, the states in which things may be done, reaching a
meeting, the host check, saving against a version, the member centres and the meetings before and
after, and texts given per language."""
from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ... import inputs
from ...auth.permissions import require_role
from ...centres.models import Centre, PartnershipMember
from ...database import save_versioned
from ...errors import Conflict, NotFound, PermissionDenied, ValidationError
from ...i18n import LANGUAGES
from ...inputs import text as _text
from ...util import is_code, is_id
from ..models import AgendaItem, Meeting

READ_ROLES = ("secretariat", "admin", "caseworker", "mdt", "viewer")
WRITE_ROLES = ("secretariat",)
COUNTRY_LANGUAGE = {"TH": "th", "MM": "my", "LA": "lo"}

# The meeting states in which the host decides on items and orders them, and in which the minutes
# are written and actions agreed; the items the host may still decide on.
DECIDING = ("agenda_open", "agenda_closed")
RECORDING = ("agenda_closed", "held", "minutes_draft")
LIVE_ITEM = ("proposed", "accepted")


class StateConflict(Conflict):
    code = "illegal_state_change"
    default_message = _l("This is not possible in the meeting's present state.")


def members(session: Session, partnership_id: int) -> list[Centre]:
    return session.execute(select(Centre).join(PartnershipMember, PartnershipMember.centre_id == Centre.id)
                           .where(PartnershipMember.partnership_id == partnership_id).order_by(Centre.code)).scalars().all()


def meeting_for(session: Session, actor, meeting_id, roles=READ_ROLES) -> Meeting:
    m = session.get(Meeting, meeting_id) if is_id(meeting_id) else None
    if m is None or actor.centre_id not in {c.id for c in members(session, m.partnership_id)}:
        raise NotFound()
    require_role(actor, *roles)
    return m


def is_host(actor, m: Meeting) -> bool:
    """The host centre's secretariat: it runs the agenda and the minutes."""
    return actor.has_role(*WRITE_ROLES) and actor.centre_id == m.host_centre_id


def _host_only(actor, m: Meeting) -> None:
    require_role(actor, *WRITE_ROLES)
    if not is_host(actor, m):
        raise PermissionDenied(_l("Only the host centre's secretariat can do this."))


def _save(session: Session, obj) -> None:
    """The one save-with-version; here a unique key taken meanwhile (a meeting number, a
    participant) is a conflict too."""
    try:
        save_versioned(session, obj)
    except IntegrityError:  # created by someone else meanwhile
        raise Conflict() from None


def _check_version(obj, version) -> None:
    """A change that names no version is a conflict (which state did the user see?); otherwise the
    version is checked as everywhere (inputs.check_version: malformed 422, stale 409)."""
    if version in (None, "") or isinstance(version, (bool, float)):
        raise Conflict()
    inputs.check_version(obj, version)


def _agenda_changed(session: Session, m: Meeting) -> None:
    m.agenda_version += 1
    _save(session, m)


def _member_centre(session: Session, m_or_pid, code, field: str) -> Centre:
    pid = m_or_pid.partnership_id if isinstance(m_or_pid, Meeting) else m_or_pid
    centre = session.execute(select(Centre).where(Centre.code == code)).scalar_one_or_none() if is_code(code) else None
    if centre is None or centre.id not in {c.id for c in members(session, pid)}:
        raise ValidationError(_l("This centre is not in the partnership."), field=field)
    return centre


def previous_meeting(session: Session, m: Meeting) -> Meeting | None:
    return session.execute(select(Meeting).where(Meeting.partnership_id == m.partnership_id, Meeting.number < m.number)
                           .order_by(Meeting.number.desc())).scalars().first()


def next_meeting(session: Session, m: Meeting) -> Meeting | None:
    return session.execute(select(Meeting).where(Meeting.partnership_id == m.partnership_id, Meeting.number > m.number)
                           .order_by(Meeting.number)).scalars().first()


def _carried(item: AgendaItem, into: Meeting) -> AgendaItem:
    """A deferred item proposed again at a later meeting."""
    return AgendaItem(meeting_id=into.id, proposing_centre_id=item.proposing_centre_id, title=item.title,
                      description=item.description, language=item.language, translations=item.translations,
                      type=item.type, references=item.references, deferred_from_id=item.id,
                      created_by_id=item.created_by_id)


def _deferrable_to(later: Meeting | None) -> bool:
    """An item can be deferred unless the next meeting exists and its agenda is closed already."""
    return later is None or later.state in ("planned", "agenda_open")


def _fits(text: str, limit: int, field: str) -> str:
    """Refuse, never truncate: a stored JSON text must fit its column."""
    if len(text) > limit:
        raise ValidationError(_l("Too long: at most %(n)s characters.", n=limit), field=field)
    return text


def _per_language(value, limits: dict[str, int]) -> dict[str, dict]:
    """Translations given per language, {"th": {"title": ..., ...}}: each text checked, None when empty."""
    if value in (None, "", {}):
        return {}
    if not isinstance(value, dict) or any(k not in LANGUAGES or not isinstance(v, dict) for k, v in value.items()):
        raise ValidationError(_l("Give the translations per language."), field="translations")
    return {lang: {name: _text(texts, name, limit=limit) for name, limit in limits.items()}
            for lang, texts in value.items()}


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)
