"""Printable documents (screening records now; receipts, manifests, agendas and minutes later):
a Jinja template rendered to PDF by WeasyPrint, whose Pango/HarfBuzz shape Thai, Burmese and Lao.

- Fonts are Debian's Noto TTFs (fonts-noto-core), named explicitly: Noto Sans first (the script
  fonts have no Latin letters or digits), then the Thai, Myanmar and Lao faces.
- Pango does not wrap Burmese or Lao lines (they would run off the page), so a zero-width space is
  put at every ICU line-break opportunity of text in those scripts before rendering.
- WeasyPrint is imported when a document is made, not when the app starts (it takes ~1 s)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from flask import current_app, render_template
from markupsafe import Markup, escape

FONT_DIR = Path("/usr/share/fonts/truetype/noto")
FACES = (("BRNotoSans", "NotoSans"), ("BRNotoThai", "NotoSansThai"), ("BRNotoMyanmar", "NotoSansMyanmar"),
         ("BRNotoLao", "NotoSansLao"))
_NEEDS_BREAKS = re.compile(r"[\u1000-\u109F\u0E80-\u0EFF]")
ZWSP = "\u200b"


class PdfUnavailable(RuntimeError):
    """The PDF engine or its fonts are not installed (make install puts them there)."""


def font_css() -> str:
    rules = []
    for family, stem in FACES:
        for weight, suffix in ((400, "Regular"), (700, "Bold")):
            path = FONT_DIR / f"{stem}-{suffix}.ttf"
            rules.append(f"@font-face {{ font-family: '{family}'; src: url('{path.as_uri()}'); font-weight: {weight}; }}")
    families = ", ".join(f"'{f}'" for f, _s in FACES)
    return "\n".join(rules) + f"\nbody {{ font-family: {families}; }}\n"


@lru_cache(maxsize=1)
def _line_breaker():
    import icu

    return icu.BreakIterator.createLineInstance(icu.Locale("my"))


def breakable(text) -> str:
    """The text with zero-width spaces at the line-break points of its Burmese and Lao runs."""
    if text is None:
        return ""
    text = str(text)
    if not _NEEDS_BREAKS.search(text):
        return text
    import icu

    # ICU works in UTF-16 offsets; map through a UnicodeString.
    ustr = icu.UnicodeString(text)
    bi = _line_breaker()
    bi.setText(ustr)
    pieces, start = [], 0
    for end in bi:
        pieces.append(str(ustr[start:end]))
        start = end
    return ZWSP.join(p for p in pieces if p)


def wrap_filter(text) -> Markup:
    """Jinja filter: escape, then make the text breakable (text that is already markup, such as a
    translated message with escaped placeholders, is unescaped first so it is escaped once)."""
    if isinstance(text, Markup):
        text = text.unescape()
    return escape(breakable(text))  # escape() returns Markup: safe to show as it is


def render(template: str, **context) -> bytes:
    missing = [f"{stem}-Regular.ttf" for _f, stem in FACES if not (FONT_DIR / f"{stem}-Regular.ttf").exists()]
    if missing:
        raise PdfUnavailable(f"fonts missing: {', '.join(missing)}")
    try:
        from weasyprint import CSS, HTML
    except ImportError as exc:  # pragma: no cover - installed by make install
        raise PdfUnavailable(str(exc)) from exc
    # The font CSS is built from our own font files' names, no input of anyone's.
    html = render_template(template, font_css=Markup(font_css()), **context)  # nosec B704
    base = str(Path(current_app.root_path) / "templates")
    fetcher = _local_fetcher()
    return HTML(string=html, base_url=base, url_fetcher=fetcher).write_pdf(
        stylesheets=[CSS(string="@page { size: A4; margin: 16mm; }", url_fetcher=fetcher)])


def _local_fetcher():
    """A documents' renderer reaches nothing outside: inline data (photos, signatures) and our font
    files only. No network, no other file, whatever a stored value or an SVG inside it may name."""
    from weasyprint import URLFetcher

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file://"):
                from urllib.parse import unquote, urlsplit

                path = Path(unquote(urlsplit(url).path)).resolve()
                if path.parent == FONT_DIR and path.suffix == ".ttf":
                    return super().fetch(url, headers)
            raise ValueError("external resources are not fetched")

    return LocalOnly(allowed_protocols=("data", "file"), allow_redirects=False)


def init_app(app) -> None:
    app.jinja_env.filters["wrap"] = wrap_filter
