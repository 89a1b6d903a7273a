"""The bilingual handover receipt and manifest: every label in the host's language and the home
side's (e.g. Thai + Burmese, Thai + Lao), shaped by WeasyPrint like every printed document.

Each language's half is written the way that language writes it: its own words, its own date
pattern and calendar (Thai in the Buddhist era, Burmese and Lao in the common era: a date is
formatted once per language, never once for both), country, centre and crossing names in it."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import force_locale, gettext
from markupsafe import Markup, escape

from .. import pdf
from ..cases import labels as case_labels
from ..i18n import format_date, format_datetime
from ..util import utcnow
from . import labels
from .services import language_of


class PerLanguage:
    """A value that is written differently in each language (a name, a date): called with the
    language."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, lang: str) -> str:
        return self.fn(lang)


def _written_in(lang: str, value, tz: str):
    """`value` as `lang` writes it. Dates are formatted outside force_locale: format_date gives a
    language that is not the reader's its own calendar (README "Calendars")."""
    if isinstance(value, datetime):
        return format_datetime(value, locale=lang, tz=tz)
    if isinstance(value, date):
        return format_date(value, locale=lang)
    if isinstance(value, PerLanguage):
        with force_locale(lang):
            return value(lang)
    return value


def _join(parts: list[str], stacked: bool) -> Markup:
    """The halves side by side ("ชื่อ / အမည်") or one under the other, each marked with its
    language (so that the renderer shapes it with that language's font)."""
    seen, spans = set(), []
    for lang, text in parts:
        if text in seen:  # the same in both languages (a number, a Latin name): once
            continue
        seen.add(text)
        # A constant template; Markup.format escapes its arguments (and the text is escaped already).
        spans.append(Markup('<span lang="{}">{}</span>').format(lang, escape(pdf.breakable(text))))  # nosec B704
    return Markup("<br>" if stacked else " / ").join(spans)  # nosec B704 (a constant separator; join escapes the parts)


def bilingual(langs: tuple[str, ...], tz: str):
    """A template helper: `bi("Name")` is the message in both languages, "ชื่อ / အမည်";
    `bi("Printed %(when)s", when=printed_at)` formats the date in each language's own way;
    `bi(..., stacked=True)` puts one language under the other (table headers, narrow columns)."""
    def bi(message: str, stacked: bool = False, **kw) -> Markup:
        parts = []
        for lang in langs:
            values = {k: _written_in(lang, v, tz) for k, v in kw.items()}
            with force_locale(lang):
                parts.append((lang, gettext(message, **values)))
        return _join(parts, stacked)
    return bi


def label2(langs: tuple[str, ...]):
    """The same for a lazy label of a code (labels.STEP[...])."""
    def both(lazy, stacked: bool = False) -> Markup:
        parts = []
        for lang in langs:
            with force_locale(lang):
                parts.append((lang, str(lazy)))
        return _join(parts, stacked)
    return both


def each_language(langs: tuple[str, ...], tz: str):
    """A value in both languages: a date or date and time, a PerLanguage name."""
    def each(value, stacked: bool = False) -> Markup:
        if value is None or value == "":
            return Markup("")
        return _join([(lang, str(_written_in(lang, value, tz))) for lang in langs], stacked)
    return each


def _render(template: str, view) -> bytes:
    from ..centres.services import crossings
    from ..database import get_session

    langs = tuple(dict.fromkeys((language_of(view.host), language_of(view.home))))
    tz = view.host.timezone
    by_code = {c.code: c for c in crossings(get_session())}

    def crossing(code):
        """The crossing's name in each language (its code if it is not known any more)."""
        if not code:
            return None
        found = by_code.get(code)
        return PerLanguage(lambda lang: found.name(lang)) if found is not None else code

    def country(code):
        return PerLanguage(lambda lang: case_labels.country_name(code, lang)) if code else None

    def centre(c):
        return PerLanguage(lambda lang: c.name(lang))

    return pdf.render(template, v=view, p=view.plan, bi=bilingual(langs, tz), both=label2(langs),
                      each=each_language(langs, tz), crossing=crossing, country=country, centre=centre,
                      labels=labels, case_labels=case_labels, langs=langs, printed_at=utcnow())


def response(body: bytes, name: str):
    """A PDF download (the name carries the plan reference only, never a person's name)."""
    from ..files.responses import download

    return download(body, "application/pdf", name)


def receipt(view) -> bytes:
    return _render("repatriation/receipt_pdf.html", view)


def manifest(view) -> bytes:
    return _render("repatriation/manifest_pdf.html", view)
