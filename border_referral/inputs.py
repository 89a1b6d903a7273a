"""Reading dates and times from forms and API bodies, the same way in every feature: a clear,
translated refusal naming the field, never an exception that becomes a 500."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from .errors import ValidationError

FIRST_YEAR, LAST_YEAR = 2000, 2100


def moment(data: dict, field: str, tz: str, *, required: bool = False) -> datetime | None:
    """A moment: an aware datetime or ISO 8601 text; without an offset it is local time at `tz`
    (what a datetime-local form field sends). Returned in UTC."""
    value = data.get(field)
    if value in (None, ""):
        if required:
            raise ValidationError(_l("This field is required."), field=field)
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(_l("Enter a date and time, e.g. 2026-11-24T13:30+07:00."), field=field) from None
    if not isinstance(value, datetime):
        raise ValidationError(_l("Enter a date and time, e.g. 2026-11-24T13:30+07:00."), field=field)
    if value.year < FIRST_YEAR:
        raise ValidationError(_l("The date is too far in the past."), field=field)
    if value.year > LAST_YEAR:
        raise ValidationError(_l("The date is too far in the future."), field=field)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    try:
        return value.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        raise ValidationError(_l("Enter a date and time, e.g. 2026-11-24T13:30+07:00."), field=field) from None


def day(data: dict, field: str, *, required: bool = False) -> date | None:
    """A calendar date (YYYY-MM-DD or a date) between the years 2000 and 2100."""
    value = data.get(field)
    if value in (None, ""):
        if required:
            raise ValidationError(_l("This field is required."), field=field)
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(_l("Enter a date as YYYY-MM-DD."), field=field) from None
    if parsed.year < FIRST_YEAR:
        raise ValidationError(_l("The date is too far in the past."), field=field)
    if parsed.year > LAST_YEAR:
        raise ValidationError(_l("The date is too far in the future."), field=field)
    return parsed


def check_version(obj, version) -> None:
    """The version a change was based on must be the record's present one (else: conflict)."""
    from .errors import Conflict

    if isinstance(version, (bool, float)):
        version = None
    try:
        seen = int(version)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(_l("The version of the record is missing."), field="version") from None
    if seen != obj.version:
        raise Conflict()
