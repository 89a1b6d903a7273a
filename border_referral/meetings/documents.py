"""The agenda and the minutes as PDF (WeasyPrint) and DOCX (python-docx), in the meeting's languages:
bilingual for a bilateral partnership, trilingual for the tri-country one. Every heading and label is
given in each language; an item's title in the proposer's language and its translations.

The header of each document (date, venue and host of the agenda with its version; date, venue, chair,
delegations present and absent, opening and closing times, recorder and checker of the minutes) is
built once (`_agenda_head`, `_minutes_record`) and written by both the PDF templates and `_docx`, so the
two say the same in the same order."""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import date

from flask import Response
from flask_babel import force_locale, gettext

from .. import pdf
from ..i18n import format_date, format_datetime
from ..centres.models import Centre, Partnership
from ..database import get_session
from ..files.responses import download
from ..errors import NotFound
from . import labels
from .services import agenda, issued_version, meeting_for, minutes_of, participants

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


def _each(langs, make) -> list[str]:
    """A value written for each language (a date in each reader's calendar, a centre's name), once
    where the languages write it alike."""
    return [v for v in dict.fromkeys(make(lang) for lang in langs) if v]


@dataclass
class Fact:
    """A line of a document's header: its label in each language and its value (in each language
    where it is written per language; a stored text as it was entered)."""
    key: str
    labels: list[str]
    values: list[str]


@dataclass
class Delegation:
    """The people of one member centre at the meeting (present, or absent)."""
    code: str
    names: list[str]        # the centre's name in each language
    people: list[str]


def _person(p) -> str:
    post = " ".join(x for x in (p.position, p.agency) if x)
    return ", ".join(x for x in (p.name, post) if x)


def _delegations(langs, people, attendance: str) -> list[Delegation]:
    groups: dict[int, Delegation] = {}
    for p, c in people:  # by centre, then in the order they were listed
        if p.attendance == attendance:
            groups.setdefault(c.id, Delegation(c.code, _each(langs, c.name), [])).people.append(_person(p))
    return list(groups.values())


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


def _agenda_head(meeting, ctx) -> dict:
    """The agenda's header, the same in the PDF and the DOCX: when, where, hosted by whom, and the
    version the partners know (a draft until the host closes the agenda and sends it out)."""
    langs, host = ctx["langs"], ctx["host"]
    version = issued_version(get_session(), meeting)
    return {
        "heading": _in(langs, "Agenda"),
        "facts": [
            Fact("when", _in(langs, "Date and time"),
                 _each(langs, lambda lang: format_datetime(meeting.starts_at, "long", lang, tz=host.timezone))),
            Fact("venue", _in(langs, "Venue"), [meeting.venue]),
            Fact("host", _in(langs, "Hosting centre"), [" · ".join([host.code] + _each(langs, host.name))]),
        ],
        "version": _in(langs, "Version %(n)s", n=version) if version else _in(langs, "Draft"),
    }


def _minutes_record(meeting, ctx, mins, people) -> dict:
    """What the minutes say besides the items, in the Thai official form and in this order, the same
    in the PDF and the DOCX: date and venue, the chair, who was present and who absent by delegation,
    others attending, the opening time; after the items the closing time, the recorder and the checker."""
    langs, host = ctx["langs"], ctx["host"]
    record = {
        "heading": _in(langs, "Minutes"),
        "facts": [Fact("date", _in(langs, "Date"),
                       _each(langs, lambda lang: format_date(meeting.starts_at, "long", lang, tz=host.timezone))),
                  Fact("venue", _in(langs, "Venue"), [meeting.venue])],
        "present_label": _in(langs, "Present"), "present": _delegations(langs, people, "present"),
        "absent_label": _in(langs, "Absent"), "absent": _delegations(langs, people, "absent"),
        "others_label": _in(langs, "Others attending"), "others": mins.others_attending if mins else "",
        "opened": _in(langs, "Meeting opened at %(time)s", time=(mins.opened_at if mins and mins.opened_at else "—")),
        "closed": _in(langs, "Meeting closed at %(time)s", time=(mins.closed_at if mins and mins.closed_at else "—")),
        "signed": [Fact("recorder", _in(langs, "Recorder"), [mins.recorder] if mins and mins.recorder else []),
                   Fact("checker", _in(langs, "Checker"), [mins.checker] if mins and mins.checker else [])],
        "adopted": None,
    }
    if mins and mins.state == "adopted" and mins.adopted_at:
        record["adopted"] = Fact("adopted", _label_in(langs, labels.MINUTES_STATE["adopted"]),
                                 _each(langs, lambda lang: format_date(mins.adopted_at, "long", lang, tz=host.timezone)))
    return record


def agenda_pdf(meeting, actor) -> bytes:
    ctx = _context(meeting, actor)
    return pdf.render("meetings/agenda_pdf.html", m=meeting, **ctx, head=_agenda_head(meeting, ctx))


def minutes_pdf(meeting, actor) -> bytes:
    ctx = _context(meeting, actor)
    session = get_session()
    mins = minutes_of(session, meeting.id)
    people = participants(session, actor, meeting.id)
    return pdf.render("meetings/minutes_pdf.html", m=meeting, **ctx, mins=mins,
                      items=json.loads(mins.items) if mins else {}, record=_minutes_record(meeting, ctx, mins, people),
                      L=lambda msg, **kw: " / ".join(_in(ctx["langs"], msg, **kw)))


# ---------------------------------------------------------------- DOCX
# Word treats Thai, Burmese and Lao as complex scripts: a run of them takes its font from w:cs, its
# size from w:szCs and its bold from w:bCs (w:b and w:sz reach only Latin text). Each run is given
# one script's text (a mixed text is cut into runs per script), the Noto face of that script and both
# sets of properties.
_SCRIPTS = (("th", 0x0E00, 0x0E7F), ("lo", 0x0E80, 0x0EFF), ("my", 0x1000, 0x109F), ("my", 0xA9E0, 0xA9FF),
            ("my", 0xAA60, 0xAA7F))
_BIDI_LANG = {"th": "th-TH", "my": "my-MM", "lo": "lo-LA"}


def _script(ch: str) -> str | None:
    """The script of a character: th, my, lo; en for any other letter; None for spaces, digits and
    punctuation, which go with the text around them."""
    code = ord(ch)
    for script, lo, hi in _SCRIPTS:
        if lo <= code <= hi:
            return script
    return "en" if ch.isalpha() else None


def _script_runs(text: str) -> list[tuple[str, str]]:
    """The text cut where its script changes: [(script, text), ...]."""
    runs: list[list] = []
    for ch in text:
        script = _script(ch)
        if runs and (script is None or script == runs[-1][0]):
            runs[-1][1] += ch
        elif runs and runs[-1][0] is None:  # leading spaces or digits join the first letters' run
            runs[-1] = [script, runs[-1][1] + ch]
        else:
            runs.append([script, ch])
    return [(script or "en", piece) for script, piece in runs]


def _docx(meeting, actor, kind: str) -> bytes:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    ctx = _context(meeting, actor)
    langs = ctx["langs"]
    doc = Document()
    # The template's default fonts are theme fonts, and a theme font wins over a named one: name ours
    # (the first language's script for complex-script text no run names).
    defaults = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if defaults is not None:
        fonts = defaults.get_or_add_rFonts()
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)
        fonts.set(qn("w:ascii"), FONTS["en"])
        fonts.set(qn("w:hAnsi"), FONTS["en"])
        fonts.set(qn("w:cs"), FONTS.get(langs[0], FONTS["en"]))

    def add(p, text: str, bold: bool = False, size: int = 11) -> None:
        """Runs of the text on the paragraph, one per script, bold and sized for complex scripts too."""
        for script, piece in _script_runs(_XML_INVALID.sub("", text)):
            run = p.add_run(piece)
            run.font.size = Pt(size)
            rpr = run._element.get_or_add_rPr()
            fonts = rpr.get_or_add_rFonts()
            fonts.set(qn("w:ascii"), FONTS["en"])
            fonts.set(qn("w:hAnsi"), FONTS["en"])
            fonts.set(qn("w:cs"), FONTS[script])
            if bold:
                run.bold = True
                rpr.get_or_add_bCs()
            rpr.sz.addnext(rpr.makeelement(qn("w:szCs"), {qn("w:val"): str(size * 2)}))
            rpr.append(rpr.makeelement(qn("w:lang"), {qn("w:val"): "en-US",
                                                      qn("w:bidi"): _BIDI_LANG.get(script, "en-US")}))

    def para(parts, bold: bool = False, size: int = 11):
        """A paragraph of the texts (one per language) separated by " / "."""
        p = doc.add_paragraph()
        for n, text in enumerate([parts] if isinstance(parts, str) else parts):
            if n:
                add(p, " / ", bold, size)
            add(p, text, bold, size)
        return p

    def fact(f: Fact, size: int = 11):
        """"Label / label: value / value", the labels bold, as the PDF writes them."""
        p = para(f.labels, bold=True, size=size)
        add(p, ": ", True, size)
        for n, value in enumerate(f.values or ["—"]):
            if n:
                add(p, " / ", size=size)
            add(p, value, size=size)

    def delegations(label, groups):
        para(label, bold=True, size=12)
        for d in groups:
            para(" · ".join([d.code] + d.names), bold=True)
            for n, person in enumerate(d.people, start=1):
                para(f"{n}) {person}")

    items = {}
    if kind == "agenda":  # as the PDF: the titles, "Agenda", when and where, the version
        head = _agenda_head(meeting, ctx)
        for title in ctx["titles"]:
            para(title, bold=True, size=14)
        para(head["heading"], bold=True, size=13)
        for f in head["facts"]:
            fact(f)
        para(head["version"])
    else:  # as the PDF: "Minutes", the titles, then the header of the Thai official form
        session = get_session()
        mins = minutes_of(session, meeting.id)
        items = json.loads(mins.items) if mins else {}
        record = _minutes_record(meeting, ctx, mins, participants(session, actor, meeting.id))
        para(record["heading"], bold=True, size=14)
        for title in ctx["titles"]:
            para(title, bold=True, size=13)
        for f in record["facts"]:
            fact(f)
        if ctx["chair"]:  # ประธาน
            para(ctx["chair"])
        delegations(record["present_label"], record["present"])
        delegations(record["absent_label"], record["absent"])
        if record["others"]:
            para(record["others_label"], bold=True, size=12)
            para(record["others"])
        para(record["opened"], bold=True)
    for section in ctx["sections"]:
        para([f"{section['number']}. {section['titles'][0]}"] + section["titles"][1:], bold=True, size=12)
        for i, entry in enumerate(section["entries"], start=1):
            para([f"{section['number']}.{i} {entry['titles'][0]}"] + entry["titles"][1:])
            if entry.get("refs"):
                para(", ".join(entry["refs"]), size=9)
            if entry.get("note"):
                para(entry["note"], size=9)
            if kind == "minutes" and entry["key"] in items:
                rec = items[entry["key"]]
                translations = (rec.get("translations") or {}).items()
                for text in [rec.get("discussion")] + [tr.get("discussion") for _lang, tr in translations]:
                    if text:
                        para(text)
                for n, text in enumerate([rec.get("resolution")] + [tr.get("resolution") for _lang, tr in translations]):
                    if text:
                        p = para(_in(langs, "Resolution"), bold=True) if n == 0 else doc.add_paragraph()
                        if n == 0:
                            add(p, ": ", True)
                        add(p, text, True)
    if kind == "minutes":
        para(record["closed"], bold=True)
        for f in record["signed"]:
            fact(f)
        if record["adopted"]:
            fact(record["adopted"], size=9)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


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
