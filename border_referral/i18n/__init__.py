"""The one place that knows about languages, calendars, time zones and number formats.

Thai readers get Buddhist Era years (C.E. + 543) and Burmese, Lao and English readers Gregorian ones,
unless the reader chose the other calendar (`user_account.calendar`, README "Calendars"); every
time is stored in UTC and shown in the time zone of the reader's centre (Asia/Bangkok, Asia/Yangon or
Asia/Vientiane)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale as _babel_locale

LANGUAGES = ("th", "my", "lo", "en")
# Each language named in itself, for the switcher.
NATIVE_NAMES = {"th": "ไทย", "my": "မြန်မာ", "lo": "ລາວ", "en": "English"}
BE_OFFSET = 543
CALENDARS = ("gregorian", "buddhist")
# The Buddhist era's name where a language has its own (Lao writes ພ.ສ. like Thai พ.ศ.).
BE_ERA = {"th": "พ.ศ.", "lo": "ພ.ສ."}


def valid_locale(value) -> str | None:
    if not value or not isinstance(value, str):
        return None
    value = value.strip().lower().replace("_", "-").split("-")[0]
    return value if value in LANGUAGES else None


def select_locale() -> str:
    """Order promised in the README ("Languages"): the signed-in user's choice, else ?lang= / the switcher (kept in the
    session), else Accept-Language, else the default."""
    from flask_login import current_user

    if current_user and current_user.is_authenticated and valid_locale(current_user.locale):
        return current_user.locale
    if has_request_context():
        chosen = valid_locale(request.args.get("lang")) or valid_locale(session.get("lang"))
        if chosen:
            return chosen
        best = request.accept_languages.best_match(LANGUAGES)
        if best:
            return best
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "en")


def select_timezone() -> str:
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        tz = getattr(current_user, "timezone", None)
        if tz:
            return tz
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Bangkok")


def current_locale() -> str:
    if has_request_context():
        return str(_babel_locale() or "en")
    return "en"


def language_calendar(locale: str) -> str:
    """The calendar a language writes dates in when the reader has not chosen: B.E. for Thai."""
    return "buddhist" if locale == "th" else "gregorian"


def reader_calendar(locale: str | None = None) -> str:
    """The signed-in reader's own choice of calendar, else their language's. Documents rendered for
    someone else (an explicit locale other than the reader's) keep that language's calendar."""
    locale = locale or current_locale()
    if not has_request_context():
        return language_calendar(locale)
    from flask import g
    from flask_login import current_user

    if "calendar_choice" not in g:
        choice = None
        if current_user and current_user.is_authenticated:
            from ..auth.services import calendar_of
            from ..database import get_session

            choice = calendar_of(get_session(), current_user)
        g.calendar_choice = choice if choice in CALENDARS else None
    return g.calendar_choice or language_calendar(locale)


def _buddhist(pattern: str, year: int, locale: str) -> str:
    """Rewrite a CLDR pattern so that its year (and era) show the Buddhist Era."""
    out, i, n = [], 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "'":
            j = pattern.find("'", i + 1)
            j = n - 1 if j == -1 else j
            out.append(pattern[i : j + 1])
            i = j + 1
            continue
        if ch in "yGu":
            j = i
            while j < n and pattern[j] == ch:
                j += 1
            width = j - i
            be = year + BE_OFFSET
            if ch == "G":
                out.append(f"'{BE_ERA.get(locale, 'B.E.')}'")
            else:
                text = f"{be % 100:02d}" if width == 2 else str(be)
                out.append(f"'{text}'")
            i = j
            continue
        out.append(ch)
        i += 1
    return "".join(out)


# The date and time patterns people read are decided here, not by the CLDR data of whatever Babel
# release is installed: Babel 2.19 (CLDR 47) changed the Thai short time from "13:05" to
# "13:05 น.", and a library upgrade must not change what a centre prints on its documents.
# Month and day names still come from CLDR. Our choices (README, "Dates, times and numbers"):
# - Thai: day month year in the Buddhist Era ("24 ก.ย. 2562"); times on the 24-hour clock followed
#   by "น." (นาฬิกา), as Thai official letters and minutes write them ("13:05 น.").
# - Burmese: year month day as CLDR has it ("2026 မတ် 5"), 24-hour times without a suffix.
# - Lao: day month year, 24-hour times. English: CLDR's "en" ("Mar 5, 2026", "1:05 PM").
PATTERNS = {
    "date": {
        "th": {"short": "d/M/yy", "medium": "d MMM y", "long": "d MMMM G y", "full": "EEEEที่ d MMMM G y"},
        "my": {"short": "d/M/yy", "medium": "y MMM d", "long": "y MMMM d", "full": "y MMMM d၊ EEEE"},
        "lo": {"short": "d/M/y", "medium": "d MMM y", "long": "d MMMM y", "full": "EEEE, d MMMM y"},
        "en": {"short": "M/d/yy", "medium": "MMM d, y", "long": "MMMM d, y", "full": "EEEE, MMMM d, y"},
    },
    "time": {
        "th": {"short": "HH:mm 'น.'", "medium": "HH:mm:ss 'น.'"},
        "my": {"short": "H:mm", "medium": "H:mm:ss"},
        "lo": {"short": "H:mm", "medium": "H:mm:ss"},
        "en": {"short": "h:mm\u202fa", "medium": "h:mm:ss\u202fa"},
    },
}


def _pattern(kind: str, fmt: str, locale: str) -> str:
    table = PATTERNS[kind].get(locale) or PATTERNS[kind]["en"]
    if fmt not in table:
        raise ValueError(f"no {kind} format named {fmt!r}; the formats are {sorted(table)}")
    return table[fmt]


def format_date(value: date | datetime | None, fmt: str = "medium", locale: str | None = None, tz: str | None = None) -> str:
    if value is None:
        return ""
    own = locale is None or locale == current_locale()
    locale = locale or current_locale()
    if isinstance(value, datetime):
        value = to_local(value, tz).date()
    pattern = _pattern("date", fmt, locale)
    if (reader_calendar(locale) if own else language_calendar(locale)) == "buddhist":
        pattern = _buddhist(pattern, value.year, locale)
    return babel_dates.format_date(value, pattern, locale=locale)


def format_time(value: datetime | None, fmt: str = "short", locale: str | None = None, tz: str | None = None) -> str:
    if value is None:
        return ""
    locale = locale or current_locale()
    return babel_dates.format_time(to_local(value, tz), _pattern("time", fmt, locale), locale=locale)


def format_datetime(value: datetime | None, fmt: str = "medium", locale: str | None = None, tz: str | None = None) -> str:
    """Date and time in the reader's centre time zone, e.g. "24 ก.ย. 2562 13:05"."""
    if value is None:
        return ""
    return f"{format_date(value, fmt, locale, tz)} {format_time(value, 'short', locale, tz)}"


def to_local(value: datetime, tz: str | None = None) -> datetime:
    """Naive values are UTC (as stored); the result is in the given or the reader's zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    zone = ZoneInfo(tz or (select_timezone() if has_request_context() else "Asia/Bangkok"))
    return value.astimezone(zone)


def format_year(year: int, locale: str | None = None) -> str:
    """A year on its own as the reader's calendar writes it: "พ.ศ. 2562" for Thai readers, "2019"
    for the others, unless they chose the other calendar (the same rule as format_date)."""
    own = locale is None or locale == current_locale()
    locale = locale or current_locale()
    calendar = reader_calendar(locale) if own else language_calendar(locale)
    return f"{BE_ERA.get(locale, 'B.E.')} {year + BE_OFFSET}" if calendar == "buddhist" else str(year)


def format_isodate(value: str | None, fmt: str = "medium", locale: str | None = None) -> str:
    """A date kept as YYYY-MM-DD text (as in encrypted fields), in the reader's calendar."""
    if not value:
        return ""
    return format_date(date.fromisoformat(value), fmt, locale)


def format_number(value, locale: str | None = None) -> str:
    if value is None:
        return ""
    return babel_numbers.format_decimal(value, locale=locale or current_locale())


def thai_fiscal_year(value: date, buddhist: bool = True) -> int:
    """The Thai fiscal year runs 1 October to 30 September and is named by the year it ends in."""
    year = value.year + 1 if value.month >= 10 else value.year
    return year + BE_OFFSET if buddhist else year


def init_app(app) -> None:
    from ..extensions import babel

    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(app.config["TRANSLATIONS_DIR"]),
    )
    app.jinja_env.filters.update(
        date=format_date, datetime=format_datetime, time=format_time, number=format_number, isodate=format_isodate
    )
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, NATIVE_NAMES=NATIVE_NAMES, current_locale=current_locale)
