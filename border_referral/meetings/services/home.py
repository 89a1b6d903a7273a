"""A secretariat's meeting work at a glance, for the home page: the next meeting of its
partnerships, the proposals it has to decide on as host, the minutes it has to have checked, and
its centre's open and overdue action items. Counts from coded columns; the next meeting is loaded
(its texts open as any meeting page's do: working documents, not audited one by one)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session

from ...centres.models import Centre, Partnership, PartnershipMember
from ...util import utcnow
from ..models import OPEN_ACTION_STATUSES, ActionItem, AgendaItem, Meeting, Minutes
from ._common import WRITE_ROLES


@dataclass
class HomeSummary:
    next_meeting: Meeting | None
    next_partnership: Partnership | None
    proposals_to_decide: int   # proposed items on open agendas the centre hosts
    minutes_to_check: int      # draft minutes of meetings the centre hosted
    actions_open: int          # the centre's own open action items
    actions_overdue: int


def home_summary(session: Session, actor) -> HomeSummary | None:
    if not actor.has_role(*WRITE_ROLES):
        return None
    centre = session.get(Centre, actor.centre_id)
    today = datetime.now(ZoneInfo(centre.timezone)).date()
    mine = select(PartnershipMember.partnership_id).where(PartnershipMember.centre_id == centre.id)
    upcoming = session.execute(
        select(Meeting, Partnership).join(Partnership, Partnership.id == Meeting.partnership_id)
        .where(Meeting.partnership_id.in_(mine), Meeting.starts_at >= utcnow())
        .order_by(Meeting.starts_at).limit(1)).first()
    proposals = session.execute(
        select(func.count()).select_from(AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(Meeting.host_centre_id == centre.id, Meeting.state == "agenda_open",
               AgendaItem.status == "proposed")).scalar_one()
    minutes = session.execute(
        select(func.count()).select_from(Minutes).join(Meeting, Meeting.id == Minutes.meeting_id)
        .where(Meeting.host_centre_id == centre.id, Minutes.state == "draft")).scalar_one()
    own = select(ActionItem.due).where(ActionItem.owner_centre_id == centre.id,
                                       ActionItem.status.in_(OPEN_ACTION_STATUSES),
                                       ActionItem.partnership_id.in_(mine))
    open_n = session.execute(select(func.count()).select_from(own.subquery())).scalar_one()
    overdue = session.execute(select(func.count()).select_from(own.where(ActionItem.due < today).subquery())).scalar_one()
    return HomeSummary(upcoming[0] if upcoming else None, upcoming[1] if upcoming else None, proposals, minutes,
                       open_n, overdue)
