"""Time left on the clocks of identification, as plain arithmetic (no database, no Flask). The
clocks themselves (which exist, and how long they run) are the owning centre's law: its
jurisdiction profile (centres/jurisdictions.py), applied by the screening services.

Times are aware datetimes in UTC; a "local date" is the date at the centre (Asia/Bangkok,
Asia/Yangon or Asia/Vientiane), which is what the law's day counts are read against."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo


def local_date(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def stay_ends(start: date | None, stay) -> date | None:
    """The last day of a period counted in days from a local date (a profile's `Stay`: the
    pre-identification shelter, the reflection period); None without a start or where the law of
    the centre has no such period."""
    return start + timedelta(days=stay.days) if start and stay else None


# A deadline is shown as urgent when less than this is left (a quarter of a day: the time a team
# needs to bring an MDT together), whatever the clock.
URGENT_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Remaining:
    """Time left to a deadline (negative: overdue by that much)."""

    seconds: int

    @property
    def overdue(self) -> bool:
        return self.seconds < 0

    @property
    def urgent(self) -> bool:
        return 0 <= self.seconds < URGENT_SECONDS

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
