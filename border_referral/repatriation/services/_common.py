"""What the repatriation services share: the roles, reaching a plan, dates and times, crossings, the
reference, telling the other side; and the registration of the plan notices."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from ... import inputs
from ..labels import NOTICE as NOTICE_LABELS
from ...auth.permissions import require_role
from ...centres import jurisdictions
from ...centres.models import Centre
from ...centres.services import crossings_of
from ...crypto.vault import Vault
from ...database import save_versioned
from ...errors import Conflict, NotFound, ValidationError
from ...notifications.services import notify_centre, register_subject
from ...util import is_id, next_in_sequence
from ..models import COUNTRY_LANGUAGE, Plan, PlanCounter


READ_ROLES = ("caseworker", "mdt", "viewer")
WRITE_ROLES = ("caseworker", "mdt")
MAX_PERSONS = 60
MAX_TEXT = 20000

register_subject("repatriation_plan", endpoint="repatriation.view", id_arg="plan_id",
                 title=_l("Repatriation %(reference)s: %(what)s"), kinds=NOTICE_LABELS)


class StateConflict(Conflict):
    code = "illegal_state_change"
    default_message = _l("This is not possible in the plan's present state.")


# ---------------------------------------------------------------- helpers

def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _centre(session: Session, centre_id: int) -> Centre:
    return session.get(Centre, centre_id)


def _today(centre: Centre) -> date:
    return datetime.now(ZoneInfo(centre.timezone)).date()


def _day(data: dict, key: str, *, required: bool = False) -> date | None:
    return inputs.day(data, key, required=required)


def _moment(data: dict, key: str, tz: str, *, required: bool = False) -> datetime | None:
    return inputs.moment(data, key, tz, required=required)


_save = save_versioned  # the one save-with-version (database.py)


def _get(session: Session, actor, plan_id) -> tuple[Plan, str]:
    plan = session.get(Plan, plan_id) if is_id(plan_id) else None
    if plan is None:
        raise NotFound()
    if plan.host_centre_id == actor.centre_id:
        side = "host"
    elif plan.home_centre_id == actor.centre_id:
        side = "home"
    else:
        raise NotFound()
    require_role(actor, *READ_ROLES)
    return plan, side


def _vault(session: Session, plan: Plan) -> Vault:
    return Vault.open(session, plan.key_id, target=plan)


def shared_crossings(session: Session, a: int, b: int) -> list:
    """The crossings a return between centres a and b may use: on the border between the two
    centres' countries, and listed for both centres (a crossing belongs to a border; the centres of
    the provinces on it are listed for it)."""
    centre_a, centre_b = _centre(session, a), _centre(session, b)
    if centre_a is None or centre_b is None:
        return []
    theirs = {c.code for c in crossings_of(session, b)}
    return [c for c in crossings_of(session, a) if c.code in theirs
            and c.on_border(centre_a.country_code, centre_b.country_code)]


def _crossing(session: Session, plan_or_ids, value, field_name="crossing") -> str | None:
    if value in (None, ""):
        return None
    host, home = plan_or_ids
    codes = [c.code for c in shared_crossings(session, host, home)]
    if value not in codes:
        raise ValidationError(_l("Choose a crossing point that both centres use."), field=field_name)
    return value


def _reference(session: Session, host: Centre, home: Centre) -> str:
    """RP-CR-TL-2570-0001: the host's fiscal year as its profile writes it (like its case numbers)."""
    key, label = jurisdictions.year_of_record(host)
    last = next_in_sequence(session, PlanCounter, host.id, "year", key)
    return f"RP-{host.code}-{home.code}-{label}-{last:04d}"


def _tell(session: Session, plan: Plan, centre_id: int, kind: str) -> None:
    notify_centre(session, centre_id, subject="repatriation_plan", subject_id=plan.id, kind=kind,
                  reference=plan.reference)


def _other_side(plan: Plan, side: str) -> int:
    return plan.home_centre_id if side == "host" else plan.host_centre_id


def language_of(centre: Centre) -> str:
    return COUNTRY_LANGUAGE.get(centre.country_code, "en")
