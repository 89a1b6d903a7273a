"""The agenda and the minutes as PDF (WeasyPrint) and DOCX (python-docx), in the meeting's languages:
bilingual for a bilateral partnership, trilingual for the tri-country one. Every heading and label is
given in each language; an item's title in the proposer's language and its translations."""
from __future__ import annotations

import io
import json
import re
from datetime import date

from flask import Response
from flask_babel import force_locale, gettext

from .. import pdf
from ..i18n import format_date
from ..centres.models import Centre, Partnership
from ..database import get_session
from ..files.responses import download
from ..errors import NotFound
from . import labels
from .services import agenda, meeting_for, minutes_of, participants

# Characters XML (and so Word) cannot hold; older stored text might still carry them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
FONTS = {"th": "Noto Sans Thai", "my": "Noto Sans Myanmar", "lo": "Noto Sans Lao", "en": "Noto Sans"}


def _in(langs, message, **kw) -> list[str]:
    """The message in each language; dates among the values in each reader's calendar (B.E. in Thai),
    and a callable value asked for its text in each language (a meeting's year)."""
    out = []
    for lang in langs:
        values = {k: format_date(v, "medium", lang) if isinstance(v, date) else v(lang) if callable(v) else v
                  for k, v in kw.items()}
        with force_locale(lang):
            out.append(gettext(message, **values))
    return out


def _year_of(meeting):
    """A meeting's year for `_in`: written by each language's calendar (an earlier meeting of the
    series is named with its year, since the series counts on across years)."""
    return lambda lang: labels.meeting_year(meeting.year, lang)


def _label_in(langs, lazy) -> list[str]:
    out = []
    for lang in langs:
        with force_locale(lang):
            out.append(str(lazy))
    return out


def _context(meeting, actor) -> dict:
    session = get_session()
    langs = meeting.language_list or ["en"]
    p = session.get(Partnership, meeting.partnership_id)
    host = session.get(Centre, meeting.host_centre_id)
    sections = agenda(session, actor, meeting.id)
    rows = []
    for number in range(1, 7):
        entries = []
        for e in sections[number]:
            if e.kind == "minutes":
                title = _in(langs, "Adoption of the minutes of meeting no. %(number)s (%(year)s)",
                            number=e.from_meeting.number, year=_year_of(e.from_meeting))
                entries.append({"key": "minutes", "titles": title, "refs": []})
            elif e.kind == "action":
                owner = session.get(Centre, e.action.owner_centre_id)
                entries.append({"key": e.action.id, "titles": [e.action.title], "refs": [],
                                "note": _in(langs, "Action of meeting no. %(number)s (%(year)s) for %(centre)s, due %(due)s",
                                            number=e.from_meeting.number, year=_year_of(e.from_meeting),
                                            centre=owner.code, due=e.action.due)})
            else:
                titles = [e.item.title] + [t["title"] for lang, t in (e.translations or {}).items()
                                           if lang != e.item.language and t.get("title")]
                entries.append({"key": e.item.id, "titles": titles, "refs": e.item.reference_list})
        rows.append({"number": number, "titles": _label_in(langs, labels.SECTION[number]), "entries": entries})
    chair_centre = session.get(Centre, meeting.chair_centre_id) if meeting.chair_centre_id else None
    chair = [line for line in (labels.chair_line(meeting, chair_centre, lang) for lang in langs) if line]
    return {"langs": langs, "partnership": p, "host": host, "sections": rows, "chair": chair,
            "titles": [labels.meeting_title(meeting, p, lang) for lang in langs]}


def agenda_pdf(meeting, actor) -> bytes:
    ctx = _context(meeting, actor)
    return pdf.render("meetings/agenda_pdf.html", m=meeting, **ctx, heading=_in(ctx["langs"], "Agenda"),
                      version=_in(ctx["langs"], "Version %(n)s", n=meeting.agenda_version))


def minutes_pdf(meeting, actor) -> bytes:
    ctx = _context(meeting, actor)
    session = get_session()
    mins = minutes_of(session, meeting.id)
    people = participants(session, actor, meeting.id)
    return pdf.render("meetings/minutes_pdf.html", m=meeting, **ctx, mins=mins,
                      items=json.loads(mins.items) if mins else {}, people=people, labels=labels,
                      heading=_in(ctx["langs"], "Minutes"), L=lambda msg, **kw: " / ".join(_in(ctx["langs"], msg, **kw)),
                      LL=lambda lazy: " / ".join(_label_in(ctx["langs"], lazy)))


def _docx(meeting, actor, kind: str) -> bytes:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    ctx = _context(meeting, actor)
    langs = ctx["langs"]
    doc = Document()

    def para(parts, bold: bool = False, size: int = 11):
        """A paragraph of runs, one per piece of text, each with the complex-script font of its script."""
        p = doc.add_paragraph()
        pieces = [parts] if isinstance(parts, str) else parts
        for n, text in enumerate(pieces):
            if n:
                p.add_run(" / ")
            run = p.add_run(_XML_INVALID.sub("", text))
            run.bold = bold
            run.font.size = Pt(size)
            script = next((lang for lang in ("th", "my", "lo") if _has_script(text, lang)), "en")
            rpr = run._element.get_or_add_rPr()
            fonts = rpr.find(qn("w:rFonts"))
            if fonts is None:
                fonts = rpr.makeelement(qn("w:rFonts"), {})
                rpr.insert(0, fonts)
            fonts.set(qn("w:ascii"), FONTS["en"])
            fonts.set(qn("w:hAnsi"), FONTS["en"])
            fonts.set(qn("w:cs"), FONTS[script])  # Thai, Burmese and Lao are "complex script" in Word
            rpr.append(rpr.makeelement(qn("w:szCs"), {qn("w:val"): str(size * 2)}))
            rpr.append(rpr.makeelement(qn("w:lang"), {qn("w:val"): "en-US", qn("w:bidi"): {
                "th": "th-TH", "my": "my-MM", "lo": "lo-LA"}.get(script, "en-US")}))
        return p

    for title in ctx["titles"]:
        para(title, bold=True, size=14)
    heading = _in(langs, "Agenda") if kind == "agenda" else _in(langs, "Minutes")
    para(heading, bold=True, size=13)
    if kind == "agenda":
        para(_in(langs, "Version %(n)s", n=meeting.agenda_version))
    items = {}
    if kind == "minutes":
        if ctx["chair"]:  # the header of the Thai official form: ประธาน
            para(ctx["chair"])
        mins = minutes_of(get_session(), meeting.id)
        items = json.loads(mins.items) if mins else {}
    for section in ctx["sections"]:
        para([f"{section['number']}. {section['titles'][0]}"] + section["titles"][1:], bold=True, size=12)
        for i, entry in enumerate(section["entries"], start=1):
            para([f"{section['number']}.{i} {entry['titles'][0]}"] + entry["titles"][1:])
            if entry.get("refs"):
                para(", ".join(entry["refs"]), size=9)
            if kind == "minutes" and entry["key"] in items:
                rec = items[entry["key"]]
                if rec.get("discussion"):
                    para(rec["discussion"])
                if rec.get("resolution"):
                    para(_in(langs, "Resolution") + [rec["resolution"]], bold=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _has_script(text: str, lang: str) -> bool:
    ranges = {"th": (0x0E00, 0x0E7F), "my": (0x1000, 0x109F), "lo": (0x0E80, 0x0EFF)}
    lo, hi = ranges[lang]
    return any(lo <= ord(ch) <= hi for ch in text)


def agenda_docx(meeting, actor) -> bytes:
    return _docx(meeting, actor, "agenda")


def minutes_docx(meeting, actor) -> bytes:
    return _docx(meeting, actor, "minutes")


MIME = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def send(actor, meeting_id: str, doc: str, kind: str) -> Response:
    """The agenda or the minutes of a meeting the actor may read, as PDF or DOCX, for download."""
    if doc not in ("agenda", "minutes") or kind not in MIME:
        raise NotFound()
    m = meeting_for(get_session(), actor, meeting_id)
    make = {"agenda": {"pdf": agenda_pdf, "docx": agenda_docx}, "minutes": {"pdf": minutes_pdf, "docx": minutes_docx}}
    return download(make[doc][kind](m, actor), MIME[kind], f"{doc}-{m.number}-{m.year}.{kind}")
