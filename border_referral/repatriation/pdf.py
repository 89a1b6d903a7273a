"""The bilingual handover receipt and manifest: every label in the host's language and the home
side's (e.g. Thai + Burmese, Thai + Lao), shaped by WeasyPrint like every printed document."""
from __future__ import annotations

from flask_babel import force_locale, gettext
from markupsafe import Markup, escape

from .. import pdf
from ..cases import labels as case_labels
from ..util import utcnow
from . import labels
from .services import language_of


def bilingual(first: str, second: str):
    """A template helper: `bi("Name")` is the label in both languages, "ชื่อ / အမည်"."""
    def bi(message: str, **kw) -> Markup:
        parts = []
        for lang in dict.fromkeys((first, second)):
            with force_locale(lang):
                parts.append(pdf.breakable(gettext(message, **kw)))
        return Markup(" / ").join(escape(p) for p in parts)
    return bi


def label2(first: str, second: str):
    """The same for a lazy label of a code (labels.STEP[...])."""
    def both(lazy) -> Markup:
        parts = []
        for lang in dict.fromkeys((first, second)):
            with force_locale(lang):
                parts.append(pdf.breakable(str(lazy)))
        return Markup(" / ").join(escape(p) for p in parts)
    return both


def _render(template: str, view) -> bytes:
    first, second = language_of(view.host), language_of(view.home)
    return pdf.render(template, v=view, p=view.plan, bi=bilingual(first, second), both=label2(first, second),
                      labels=labels, case_labels=case_labels, langs=(first, second), printed_at=utcnow())


def response(body: bytes, name: str):
    """A PDF download (the name carries the plan reference only, never a person's name)."""
    from ..files.responses import download

    return download(body, "application/pdf", name)


def receipt(view) -> bytes:
    return _render("repatriation/receipt_pdf.html", view)


def manifest(view) -> bytes:
    return _render("repatriation/manifest_pdf.html", view)
