"""The legal clocks of identification, as plain arithmetic (no database, no Flask): the custody limit
of s.29, the court extension, the NRM's pre-identification shelter and reflection periods.

Times are aware datetimes in UTC; a "local date" is the date at the centre (Asia/Bangkok,
Asia/Yangon or Asia/Vientiane), which is what the law's day counts are read against."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from .models import COURT_EXTENSION_DAYS, CUSTODY_HOURS, PRE_SHELTER_DAYS, REFLECTION_DAYS


def custody_deadline(started: datetime | None, extension_until: datetime | None) -> datetime | None:
    """24 hours from the start, or the court's extension (checked by the service: within 7 days)."""
    if started is None:
        return None
    return extension_until or started + timedelta(hours=CUSTODY_HOURS)


def max_extension(started: datetime) -> datetime:
    return started + timedelta(days=COURT_EXTENSION_DAYS)


def local_date(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def reflection_ends(decided_on: date) -> date:
    return decided_on + timedelta(days=REFLECTION_DAYS)


def pre_shelter_ends(started: date) -> date:
    return started + timedelta(days=PRE_SHELTER_DAYS)


@dataclass(frozen=True)
class Remaining:
    """Time left to a deadline (negative: overdue by that much)."""

    seconds: int

    @property
    def overdue(self) -> bool:
        return self.seconds < 0

    @property
    def urgent(self) -> bool:
        """Less than a quarter of the basic 24 hours left."""
        return 0 <= self.seconds < CUSTODY_HOURS * 3600 // 4

    @property
    def hours_minutes(self) -> tuple[int, int]:
        minutes = abs(self.seconds) // 60
        return minutes // 60, minutes % 60


def remaining(deadline: datetime, now: datetime | None = None) -> Remaining:
    now = now or datetime.now(timezone.utc)
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=timezone.utc)
    return Remaining(int((deadline - now).total_seconds()))


def days_left(until: date, today: date) -> int:
    return (until - today).days
