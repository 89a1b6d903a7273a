"""A breach response (PDPA s.37(4): report within 72 hours) starts with "what did this account
read?": the reads of personal data by one user in a window of local dates, from the audit log, as a
list and as CSV. Administrators ask about the users of their own centre, network administrators
about anyone's; asking is itself on the audit record (`privacy.read_report`)."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlmodel import Session

from ... import audit, inputs
from ...audit.models import AuditRecord
from ...auth.models import User
from ...auth.permissions import require_role
from ...cases.models import Case
from ...centres.models import Centre
from ...errors import NotFound, ValidationError
from ...referrals import services as referrals
from ...repatriation.models import Plan
from ...util import is_id
from .subject_access import READ_PREFIXES, is_read

MAX_DAYS = 92
ROW_LIMIT = 5000
NETWORK_ADMIN = "network_admin"


@dataclass
class ReadRow:
    at: datetime            # UTC, as recorded
    action: str
    case_numbers: list[str]
    reference: str | None   # a referral's or a repatriation plan's


@dataclass
class ReadReport:
    user: User
    centre: Centre          # the user's centre: its time zone gives the window's dates
    date_from: date
    date_to: date
    rows: list[ReadRow]
    truncated: bool


def users_in_scope(session: Session, actor) -> list[tuple[User, Centre]]:
    """The accounts the caller may ask about: their centre's (an administrator), everyone's (a
    network administrator)."""
    require_role(actor, "admin", NETWORK_ADMIN)
    q = select(User, Centre).join(Centre, Centre.id == User.centre_id)
    if not actor.has_role(NETWORK_ADMIN):
        q = q.where(User.centre_id == actor.centre_id)
    return list(session.execute(q.order_by(Centre.code, User.email)).all())


def _user(session: Session, actor, user_id) -> User:
    require_role(actor, "admin", NETWORK_ADMIN)
    if not user_id:
        raise ValidationError(_l("Choose the user whose reads to list."), field="user_id")
    user = session.get(User, user_id) if is_id(user_id) else None
    if user is None or (not actor.has_role(NETWORK_ADMIN) and user.centre_id != actor.centre_id):
        raise NotFound()
    return user


def _window(data: dict) -> tuple[date, date]:
    first = inputs.day(data, "date_from", required=True)
    last = inputs.day(data, "date_to", required=True)
    if last < first:
        raise ValidationError(_l("The end of the period cannot be before its start."), field="date_to")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationError(_l("Choose a period of at most %(days)s days.", days=MAX_DAYS), field="date_to")
    return first, last


def read_report(session: Session, actor, data: dict) -> ReadReport:
    """`data`: user_id, date_from, date_to (local dates at the user's centre, both included)."""
    user = _user(session, actor, data.get("user_id"))
    first, last = _window(data)
    centre = session.get(Centre, user.centre_id)
    zone = ZoneInfo(centre.timezone)
    # Stored moments are UTC: the window's local midnights are compared in UTC.
    start = datetime.combine(first, time.min, zone).astimezone(timezone.utc)
    end = datetime.combine(last + timedelta(days=1), time.min, zone).astimezone(timezone.utc)
    prefixes = or_(*(AuditRecord.action.startswith(p) for p in READ_PREFIXES))
    records = session.execute(select(AuditRecord).where(AuditRecord.actor_id == user.id, AuditRecord.at >= start,
                                                        AuditRecord.at < end, prefixes)
                              .order_by(AuditRecord.seq).limit(ROW_LIMIT + 1).execution_options(**audit.PAST_ONLY)).scalars().all()
    truncated = len(records) > ROW_LIMIT
    records = [r for r in records[:ROW_LIMIT] if is_read(r.action)]
    rows = _rows(session, user.centre_id, records)
    audit.record(session, actor, "privacy.read_report", ("user_account", user.id),
                 {"from": first.isoformat(), "to": last.isoformat(), "rows": len(rows)})
    return ReadReport(user, centre, first, last, rows, truncated)


def _rows(session: Session, centre_id: int, records: list[AuditRecord]) -> list[ReadRow]:
    """What each read was about, by number: case numbers (of the case, of a screening's case, of a
    list's cases), a referral's or a plan's reference."""
    parsed = []
    case_ids, referral_ids, plan_ids = set(), set(), set()
    for r in records:
        try:
            details = json.loads(r.details)
        except ValueError:
            details = {}
        ids = []
        if r.target_type == "case_file" and r.target_id:
            ids.append(r.target_id)
        if isinstance(details.get("case"), str):
            ids.append(details["case"])
        if isinstance(details.get("cases"), list):
            ids += [c for c in details["cases"] if isinstance(c, str)]
        if r.target_type == "referral" and r.target_id:
            referral_ids.add(r.target_id)
        if isinstance(details.get("referral"), str):
            referral_ids.add(details["referral"])
        if r.target_type == "repatriation_plan" and r.target_id:
            plan_ids.add(r.target_id)
        if isinstance(details.get("plan"), str):
            plan_ids.add(details["plan"])
        case_ids.update(ids)
        parsed.append((r, ids, details))
    numbers = dict(session.execute(select(Case.id, Case.case_number).where(Case.id.in_(case_ids))).all()) if case_ids else {}
    refs = referrals.references_by_id(session, centre_id, sorted(referral_ids))
    plans = dict(session.execute(select(Plan.id, Plan.reference).where(
        Plan.id.in_(plan_ids), or_(Plan.host_centre_id == centre_id, Plan.home_centre_id == centre_id))).all()) \
        if plan_ids else {}
    out = []
    for r, ids, details in parsed:
        reference = None
        if r.target_type == "referral":
            reference = refs.get(r.target_id)
        elif details.get("referral") in refs:
            reference = refs[details["referral"]]
        elif r.target_type == "repatriation_plan":
            reference = plans.get(r.target_id)
        elif details.get("plan") in plans:
            reference = plans[details["plan"]]
        out.append(ReadRow(r.at, r.action, list(dict.fromkeys(numbers[i] for i in ids if i in numbers)), reference))
    return out


def _cell(value: str) -> str:
    """A spreadsheet must not run a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def report_csv(report: ReadReport, label) -> bytes:
    """The rows as CSV (UTF-8 with a byte-order mark, so that spreadsheets read Thai, Burmese and Lao):
    local time of the user's centre, action code, what it means in the reader's language, case
    numbers, reference. `label(action)` names an action."""
    zone = ZoneInfo(report.centre.timezone)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["time", "action", "what", "case_numbers", "reference"])
    for row in report.rows:
        at = row.at if row.at.tzinfo else row.at.replace(tzinfo=timezone.utc)
        writer.writerow([at.astimezone(zone).isoformat(timespec="seconds"), row.action, _cell(str(label(row.action))),
                         _cell(" ".join(row.case_numbers)), _cell(row.reference or "")])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
