"""Names the repatriation pages show instead of codes: countries (Babel's territory names, as the
case pages name nationalities), the direction of a plan in words ("Thailand to Myanmar") and the
crossing points (their names in the reader's language)."""
from __future__ import annotations

from flask_babel import gettext as _

from ..cases.labels import country_name
from ..i18n import current_locale


def country(code: str | None, locale: str | None = None) -> str:
    return country_name(code, locale or current_locale()) if code else ""


def direction(value: str | None, locale: str | None = None) -> str:
    """"TH-MM" (host country, home country) in words: "Thailand to Myanmar"."""
    if not value or "-" not in value:
        return value or ""
    origin, destination = value.split("-", 1)
    return _("%(origin)s to %(destination)s", origin=country(origin, locale), destination=country(destination, locale))


def crossing_namer(session):
    """A template helper: the crossing point's name in the reader's language, by its code (the code
    itself for a crossing that is no longer known)."""
    from ..centres.services import crossings

    by_code = {c.code: c for c in crossings(session)}

    def name(code: str | None, locale: str | None = None) -> str:
        if not code:
            return ""
        found = by_code.get(code)
        return found.name(locale or current_locale()) if found is not None else code
    return name
