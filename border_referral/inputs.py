"""Reading input from forms and API bodies the same way in every feature (text, choices, lists, dates,
times, versions): a clear, translated refusal naming the field, never an exception that becomes a
500, and nothing written until all of the input is valid."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from .errors import ValidationError
from .i18n.names import to_unicode

FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_TEXT = 200
MAX_LONG = 20000


_CONTROL = {c for c in range(32) if c not in (9, 10, 13)} | {127}


def plain(value: str, field: str) -> None:
    """Text that can be stored and shown: valid Unicode (no lone surrogates), no control characters
    other than tab and line breaks (NUL in particular, which PostgreSQL refuses)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(_l("The text contains characters that cannot be stored."), field=field) from None
    if any(ord(ch) in _CONTROL or 0xFFFE <= ord(ch) <= 0xFFFF or 0xFDD0 <= ord(ch) <= 0xFDEF for ch in value):
        raise ValidationError(_l("The text contains characters that cannot be stored."), field=field)


def filters(**values) -> None:
    """The filters of a list, from a query string: text that can be compared in the database (a NUL
    reaches PostgreSQL as an error, not as "no match"). An empty or missing filter filters nothing."""
    for field, value in values.items():
        if value:
            if not isinstance(value, str):
                raise ValidationError(_l("Enter text."), field=field)
            plain(value, field)


def text(data, field, *, required=False, limit=MAX_TEXT):
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(_l("This field is required."), field=field)
        return None
    if not isinstance(value, str):
        raise ValidationError(_l("Enter text."), field=field)
    plain(value, field)
    value = to_unicode(value.strip())
    if len(value) > limit:
        raise ValidationError(_l("Too long: at most %(n)s characters.", n=limit), field=field)
    return value


def choice(data, field, choices, *, required=False):
    value = data.get(field)
    if value in (None, ""):
        if required:
            raise ValidationError(_l("This field is required."), field=field)
        return None
    if value not in choices:
        raise ValidationError(_l("Choose one of the listed values."), field=field)
    return value


def text_list(data, field, *, limit=MAX_TEXT, most=20):
    value = data.get(field)
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [v for v in value.splitlines()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_l("Enter a list of texts."), field=field)
    for v in value:
        plain(v, field)
    value = [to_unicode(v.strip()) for v in value if v.strip()]
    if len(value) > most:
        raise ValidationError(_l("Too many entries: at most %(n)s.", n=most), field=field)
    if any(len(v) > limit for v in value):
        raise ValidationError(_l("Too long: at most %(n)s characters.", n=limit), field=field)
    return value


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


def day(data: dict, field: str, *, required: bool = False, first_year: int = FIRST_YEAR,
        not_after: date | None = None) -> date | None:
    """A calendar date (YYYY-MM-DD or a date) from `first_year` (2000; 1900 for birth dates) to 2100,
    and not later than `not_after` when given (a birth date is never in the future)."""
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
    if not_after is not None and parsed > not_after:
        raise ValidationError(_l("The date cannot be in the future."), field=field)
    if parsed.year < first_year:
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
