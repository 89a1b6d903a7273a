"""Countries and time zones in the reader's language.

- `COUNTRIES`: the officially assigned ISO 3166-1 alpha-2 codes (249), written down here rather than
  taken from CLDR, whose territory list also holds pseudo-locales (XA, XB: "Bidi ไม่จริง"), groupings
  (EU, EZ, UN, QO "Outlying Oceania", 419) and codes ISO only reserves (AC, CP, DG, EA, IC, TA) or
  does not assign (XK). A library upgrade must not change what a nationality picker offers.
- `country_choices(locale)`: (code, name) sorted by the reader's alphabet (ICU collation: Thai and
  Lao pre-posed vowels, Burmese stacked letters), optionally after some codes to show first.
- `zone_name(tz, locale)`: "Asia/Bangkok" as a reader says it ("เวลาไทย", "Thailand Time"), with the
  centre's city and its UTC offset.

ICU is imported on first use, never at start-up."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

# ISO 3166-1 alpha-2, officially assigned codes (ISO 3166 Maintenance Agency).
COUNTRIES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW
BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI
FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN
IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE
YT ZA ZM ZW
""".split())


def is_country(code) -> bool:
    return isinstance(code, str) and code.upper() in COUNTRIES


def country_name(code: str, locale: str) -> str:
    """The CLDR name of a country in `locale` ("MM" -> "เมียนมา (พม่า)"); the code if CLDR has none."""
    from babel import Locale

    return Locale.parse(locale).territories.get(code.upper(), code.upper())


@lru_cache(maxsize=8)
def _collator(locale: str):
    import icu

    return icu.Collator.createInstance(icu.Locale(locale))


def sort_key(locale: str):
    """A key that sorts texts as a reader of `locale` expects (ICU collation)."""
    return _collator(locale).getSortKey


@lru_cache(maxsize=8)
def _sorted_countries(locale: str) -> tuple[tuple[str, str], ...]:
    key = sort_key(locale)
    named = [(code, country_name(code, locale)) for code in COUNTRIES]
    return tuple(sorted(named, key=lambda pair: (key(pair[1]), pair[0])))


def country_choices(locale: str, first: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(code, name) of every country in the reader's language and alphabetical order; the codes in
    `first` (real countries only) come before the rest, in the order given."""
    lead = [c for c in first if c in COUNTRIES]
    ordered = _sorted_countries(locale)
    return [(c, country_name(c, locale)) for c in lead] + [pair for pair in ordered if pair[0] not in lead]


def _offset(tz: str, now: datetime | None = None) -> str:
    delta = (now or datetime.now(timezone.utc)).astimezone(ZoneInfo(tz)).utcoffset()
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_name(tz: str | None, locale: str, now: datetime | None = None) -> str:
    """A time zone as a reader of `locale` names it: CLDR's zone name ("เวลาไทย", "Myanmar (Burma)
    Time"), its city ("กรุงเทพ", "Yangon") and its offset ("UTC+6:30"). An unknown zone is shown as
    it is."""
    if not tz:
        return ""
    from babel.dates import get_timezone_location
    from flask_babel import gettext

    try:
        name = get_timezone_location(tz, locale=locale)
        city = get_timezone_location(tz, locale=locale, return_city=True)
        offset = _offset(tz, now)
    except (LookupError, ValueError):
        return tz
    return gettext("%(zone)s (%(city)s, %(offset)s)", zone=name, city=city, offset=offset)
