"""The agenda and the minutes as documents (issue 16): the DOCX carries the header of the PDF in the same
order and in the meeting's languages; Thai, Burmese and Lao headings are bold in Word (complex-script
properties); the agenda's version counts the versions sent to the partners, not every save; proposals
name the proposing centre in the reader's language and the proposer; the PDF header keeps labels off
their values and uses only the bundled Noto faces."""
from __future__ import annotations

import io
import os
import re
import subprocess
from html import unescape

import pytest
from sqlalchemy import select

from border_referral.database import session_scope
from tests.conftest import demo_email, translated

NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
W = "{%s}" % NS["w"]
FONTS = {"th": "Noto Sans Thai", "my": "Noto Sans Myanmar", "lo": "Noto Sans Lao"}


def _docx(data: bytes):
    from docx import Document

    return Document(io.BytesIO(data))


def _paragraphs(data: bytes) -> list[str]:
    return [p.text for p in _docx(data).paragraphs]


def _pdf_text(data: bytes, tmp_path, name="doc.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return text.replace("\u200b", "")


def _centre_names(demo, *codes) -> dict:
    from border_referral.centres.models import Centre

    with demo.app_context(), session_scope() as s:
        return {c.code: {lang: c.name(lang) for lang in ("th", "my", "lo", "en")}
                for c in s.execute(select(Centre).where(Centre.code.in_(codes))).scalars()}


@pytest.fixture
def held(api):
    """A tri-country meeting (Thai, Burmese, Lao) with delegations present and absent and its minutes."""
    cr, tl, hx = api("secretariat", "CR"), api("secretariat", "TL"), api("secretariat", "HX")
    r = cr.post("/api/v1/meetings", json={"partnership": "CR-TL-HX", "starts_at": "2026-12-10T09:00:00+07:00",
                                          "venue": "ศาลากลางจังหวัดเชียงราย", "chair": {"name": "Somchai Jaidee"}})
    assert r.status_code == 201, r.json
    mid = r.json["id"]
    item = hx.post(f"/api/v1/meetings/{mid}/agenda-items", json={
        "title": "ການກັບຄືນຖິ່ນຖານ", "type": "decision", "language": "lo",
        "translations": {"th": {"title": "การส่งกลับ"}, "my": {"title": "နေရပ်ပြန်ပို့ခြင်း"}}}).json["id"]
    for client, centre, name, attendance in ((cr, "CR", "Khun Dao", "present"), (tl, "TL", "U Zaw Min", "present"),
                                             (tl, "TL", "Daw Hla", "absent"), (hx, "HX", "Thao Bounmy", "present")):
        r = client.post(f"/api/v1/meetings/{mid}/participants", json={
            "centre": centre, "name": name, "position": "Officer", "agency": f"Agency {centre}",
            "attendance": attendance})
        assert r.status_code == 201, r.json
    assert cr.post(f"/api/v1/meetings/{mid}/close-agenda").status_code == 200
    r = cr.put(f"/api/v1/meetings/{mid}/minutes", json={
        "language": "th", "opened_at": "09:05", "closed_at": "11:55", "recorder": "Recorder Dao",
        "checker": "Checker Lek", "others_attending": "Observers of IOM",
        "items": {item: {"discussion": "ที่ประชุมหารือ", "resolution": "เห็นชอบ"}}})
    assert r.status_code == 200, r.json
    return cr, mid


def _first(lines: list[str], needle: str) -> int:
    return next(i for i, line in enumerate(lines) if needle in line)


# ---------------------------------------------------------------- 1. the header of the minutes in the DOCX

def test_docx_minutes_carry_the_header_of_the_pdf_in_the_same_order(held, demo, tmp_path):
    cr, mid = held
    names = _centre_names(demo, "CR", "TL", "HX")
    paras = _paragraphs(cr.get(f"/api/v1/meetings/{mid}/minutes.docx").data)
    pdf = [line for line in _pdf_text(cr.get(f"/api/v1/meetings/{mid}/minutes.pdf").data, tmp_path).splitlines()
           if line.strip()]
    date_th = "10 ธันวาคม พ.ศ. 2569"  # the meeting's date in each reader's calendar
    # (Thai, Lao and Latin markers: pdftotext does not give Burmese back in its logical order)
    markers = [
        translated(demo, "th", "Date"), date_th, "ศาลากลางจังหวัดเชียงราย", "Somchai Jaidee",
        translated(demo, "th", "Present"), names["CR"]["th"], "Khun Dao, Officer Agency CR", names["HX"]["lo"],
        "Thao Bounmy", names["TL"]["th"], "U Zaw Min",
        translated(demo, "lo", "Absent"), "Daw Hla", translated(demo, "lo", "Others attending"), "Observers of IOM",
        translated(demo, "th", "Meeting opened at %(time)s", time="09:05"), "เห็นชอบ",
        translated(demo, "lo", "Meeting closed at %(time)s", time="11:55"),
        translated(demo, "th", "Recorder"), "Recorder Dao", translated(demo, "lo", "Checker"), "Checker Lek",
    ]
    markers = [re.sub(r"\s", "", m) for m in markers]  # the PDF may wrap a label anywhere
    for doc, lines in (("docx", paras), ("pdf", pdf)):
        flat = re.sub(r"\s", "", " ".join(lines))
        positions = []
        for marker in markers:
            assert marker in flat[positions[-1] if positions else 0:], (doc, marker)
            positions.append(flat.index(marker, positions[-1] if positions else 0))
    # each delegation's people under its own centre, the absent one not among those present
    present, absent = _first(paras, translated(demo, "th", "Present")), _first(paras, translated(demo, "th", "Absent"))
    assert present < _first(paras, "U Zaw Min") < absent < _first(paras, "Daw Hla")
    assert _first(paras, names["HX"]["th"]) < _first(paras, "Thao Bounmy") < _first(paras, names["TL"]["th"]) \
        < _first(paras, "U Zaw Min")
    # the date in each language's calendar, on the line of its label
    date_line = paras[_first(paras, translated(demo, "my", "Date"))]
    assert date_th in date_line and "2026" in date_line


def test_docx_minutes_before_anything_is_recorded_say_so_rather_than_leave_the_lines_out(api, demo):
    cr = api("secretariat", "CR")
    mid = cr.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2026-12-10T09:00:00+07:00",
                                            "venue": "Chiang Rai"}).json["id"]
    paras = _paragraphs(cr.get(f"/api/v1/meetings/{mid}/minutes.docx").data)
    for message in ("Recorder", "Checker", "Present", "Absent", "Venue"):
        assert any(translated(demo, "th", message) in p for p in paras), message
    assert any(translated(demo, "my", "Meeting closed at %(time)s", time="—") in p for p in paras)
    for doc in ("agenda", "minutes"):
        r = cr.get(f"/api/v1/meetings/{mid}/{doc}.pdf")
        assert r.status_code == 200 and r.mimetype == "application/pdf"


# ---------------------------------------------------------------- 2. the agenda's date, venue and host

def test_docx_agenda_has_date_venue_and_host_as_the_pdf(held, demo, tmp_path):
    cr, mid = held
    names = _centre_names(demo, "CR")["CR"]
    paras = _paragraphs(cr.get(f"/api/v1/meetings/{mid}/agenda.docx").data)
    when = _first(paras, translated(demo, "th", "Date and time"))
    assert "10 ธันวาคม พ.ศ. 2569" in paras[when] and "09:00" in paras[when] and "2026" in paras[when]
    assert "ศาลากลางจังหวัดเชียงราย" in paras[_first(paras, translated(demo, "lo", "Venue"))]
    host = paras[_first(paras, translated(demo, "my", "Hosting centre"))]
    assert "CR" in host and names["th"] in host and names["my"] in host and names["lo"] in host
    assert _first(paras, translated(demo, "th", "Agenda")) < when < _first(paras, "1. ")
    # the PDF: the same lines in the same order (its labels may wrap onto a second line)
    flat = _pdf_text(cr.get(f"/api/v1/meetings/{mid}/agenda.pdf").data, tmp_path).replace("\n", " ")
    order = [translated(demo, "th", "Agenda"), translated(demo, "th", "Date and time"), "10 ธันวาคม พ.ศ. 2569",
             translated(demo, "th", "Venue"), "ศาลากลางจังหวัดเชียงราย", translated(demo, "th", "Hosting centre"),
             names["th"], translated(demo, "th", "Version %(n)s", n=1), "1. "]
    assert [flat.index(marker) for marker in order] == sorted(flat.index(marker) for marker in order)


# ---------------------------------------------------------------- 3. complex-script bold in Word

def _runs_with(document, script_re):
    return [r for p in document.paragraphs for r in p.runs if re.search(script_re, r.text)]


@pytest.mark.parametrize("doc", ["agenda", "minutes"])
def test_docx_thai_burmese_and_lao_headings_are_bold_for_complex_scripts(held, demo, doc):
    cr, mid = held
    document = _docx(cr.get(f"/api/v1/meetings/{mid}/{doc}.docx").data)
    heading = {"th": translated(demo, "th", "Agenda" if doc == "agenda" else "Minutes"),
               "my": translated(demo, "my", "Agenda" if doc == "agenda" else "Minutes"),
               "lo": translated(demo, "lo", "Agenda" if doc == "agenda" else "Minutes")}
    scripts = {"th": r"[\u0E00-\u0E7F]", "my": r"[\u1000-\u109F]", "lo": r"[\u0E80-\u0EFF]"}
    for lang, text in heading.items():
        runs = [r for r in _runs_with(document, scripts[lang]) if r.text.strip() == text]
        assert runs, (lang, text)
        for run in runs:
            rpr = run._element.rPr
            assert rpr.find(f"{W}b") is not None and rpr.find(f"{W}bCs") is not None, lang
            assert rpr.find(f"{W}bCs").get(f"{W}val") in (None, "1", "true")
            assert rpr.find(f"{W}rFonts").get(f"{W}cs") == FONTS[lang]
            assert rpr.find(f"{W}szCs").get(f"{W}val") == rpr.find(f"{W}sz").get(f"{W}val")
    # no theme font of the template's defaults overrides the named ones
    defaults = document.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert defaults.get(f"{W}cstheme") is None and defaults.get(f"{W}cs") == FONTS["th"]
    # every bold run is bold for complex scripts too, and no run mixes two of the scripts (one font each)
    for p in document.paragraphs:
        for run in p.runs:
            rpr = run._element.rPr
            if rpr.find(f"{W}b") is not None:
                assert rpr.find(f"{W}bCs") is not None, run.text
            assert sum(bool(re.search(s, run.text)) for s in scripts.values()) <= 1, run.text
            script = next((lang for lang, s in scripts.items() if re.search(s, run.text)), None)
            if script:
                assert rpr.find(f"{W}rFonts").get(f"{W}cs") == FONTS[script], run.text


def test_docx_run_properties_are_in_schema_order(held):
    """Word refuses a run whose properties are out of the schema's order (w:b before w:bCs, w:sz
    before w:szCs, w:lang last among ours)."""
    cr, mid = held
    order = [f"{W}{tag}" for tag in ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "color", "sz", "szCs", "u",
                                     "lang")]
    for doc in ("agenda", "minutes"):
        for p in _docx(cr.get(f"/api/v1/meetings/{mid}/{doc}.docx").data).paragraphs:
            for run in p.runs:
                tags = [child.tag for child in run._element.rPr]
                assert tags == sorted(tags, key=order.index), tags


# ---------------------------------------------------------------- 4. the agenda's version

def test_agenda_version_counts_versions_sent_out_not_saves(api, signed_in, demo, tmp_path):
    cr, tl = api("secretariat", "CR"), api("secretariat", "TL")
    r = cr.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2026-12-10T09:00:00+07:00",
                                          "venue": "Chiang Rai"})
    mid, lock = r.json["id"], r.json["version"]
    assert r.json["agenda_version"] == 0  # a draft, open for proposals
    items = [tl.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": f"Item {n}", "type": "decision"}).json["id"]
             for n in range(3)]
    for item in items:
        assert cr.post(f"/api/v1/meetings/{mid}/agenda-items/{item}/order", json={"section": 5}).status_code == 200
    meeting = cr.get(f"/api/v1/meetings/{mid}").json
    assert meeting["agenda_version"] == 0 and meeting["version"] > lock  # every save still moves the lock
    draft = translated(demo, "th", "Draft")
    assert draft in _pdf_text(cr.get(f"/api/v1/meetings/{mid}/agenda.pdf").data, tmp_path)
    assert assert_version_on_page(signed_in, mid, draft)

    assert cr.post(f"/api/v1/meetings/{mid}/close-agenda").json["agenda_version"] == 1
    version_1 = translated(demo, "th", "Version %(n)s", n=1)
    assert version_1 in _pdf_text(cr.get(f"/api/v1/meetings/{mid}/agenda.pdf").data, tmp_path)
    assert any(version_1 in p for p in _paragraphs(cr.get(f"/api/v1/meetings/{mid}/agenda.docx").data))
    assert assert_version_on_page(signed_in, mid, translated(demo, "th", "agenda version %(n)s", n=1))

    # the host changes the agenda it sent out: that is the next version; a refused change is none
    assert cr.post(f"/api/v1/meetings/{mid}/agenda-items/{items[0]}/defer").status_code == 200
    assert cr.post(f"/api/v1/meetings/{mid}/agenda-items/{items[0]}/accept").status_code == 409
    assert cr.get(f"/api/v1/meetings/{mid}").json["agenda_version"] == 2
    listed = {m["id"]: m for m in cr.get("/api/v1/meetings").json["items"]}
    assert listed[mid]["agenda_version"] == 2
    version_2 = translated(demo, "my", "Version %(n)s", n=2)
    assert any(version_2 in p for p in _paragraphs(cr.get(f"/api/v1/meetings/{mid}/agenda.docx").data))


def assert_version_on_page(signed_in, mid, expected) -> bool:
    html = unescape(signed_in("secretariat", "CR").get(f"/meetings/{mid}").get_data(as_text=True))
    shown = re.search(r'data-testid="agenda-version">([^<]*)<', html)
    assert shown, "no agenda version on the page"
    return expected in shown.group(1)


def test_an_agenda_saved_many_times_before_this_rule_reads_as_issued_once(api, demo):
    """Meetings recorded before: their stored change count (agenda_version) is not what is shown."""
    from border_referral.meetings.models import Meeting

    cr = api("secretariat", "CR")
    mid = cr.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2026-12-10T09:00:00+07:00",
                                            "venue": "Chiang Rai"}).json["id"]
    for n in range(3):
        cr.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": f"Item {n}", "type": "information"})
    cr.post(f"/api/v1/meetings/{mid}/close-agenda")
    with demo.app_context(), session_scope() as s:
        assert s.get(Meeting, mid).agenda_version >= 5  # counts every save
    assert cr.get(f"/api/v1/meetings/{mid}").json["agenda_version"] == 1


# ---------------------------------------------------------------- 5. who proposed an item

def test_proposals_name_the_centre_in_the_readers_language_and_the_proposer(api, signed_in, demo):
    from border_referral.auth.models import User

    with demo.app_context(), session_scope() as s:
        user = s.execute(select(User).where(User.email == demo_email("secretariat", "TL"))).scalar_one()
        user.display_name = "U Kyaw Thu"
    cr, tl = api("secretariat", "CR"), api("secretariat", "TL")
    mid = cr.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2026-12-10T09:00:00+07:00",
                                            "venue": "Chiang Rai"}).json["id"]
    tl.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "Hotline numbers", "type": "information"})
    names = _centre_names(demo, "TL")["TL"]
    for reader, lang in (("CR", "th"), ("TL", "my")):
        html = unescape(signed_in("secretariat", reader).get(f"/meetings/{mid}").get_data(as_text=True))
        cell = re.search(r'<td data-testid="proposed-by">(.*?)</td>', html, re.S).group(1)
        assert names[lang] in cell and "U Kyaw Thu" in cell, (reader, cell)


# ---------------------------------------------------------------- 6. the PDF layout

def _words(data: bytes, tmp_path) -> list[tuple[int, float, float, float, float, str]]:
    """Every word of the PDF with its page and box (x0, top, x1, bottom)."""
    path = tmp_path / "layout.pdf"
    path.write_bytes(data)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return [(page, float(a), float(b), float(c), float(d), unescape(w))
            for page, body in enumerate(html.split("<page")[1:])
            for a, b, c, d, w in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', body)]


def test_pdf_header_labels_do_not_run_into_their_values(held, tmp_path):
    """The labels of the header (long in three languages) keep to their column: every word of a
    value starts to the right of every word of its label on the same lines."""
    cr, mid = held
    for doc, values in (("agenda", ("ศาลากลางจังหวัดเชียงราย",)), ("minutes", ("Recorder", "Checker"))):
        words = _words(cr.get(f"/api/v1/meetings/{mid}/{doc}.pdf").data, tmp_path)
        for needle in values:  # the first word of a value (the labels are all translated)
            hits = [w for w in words if needle in w[5].replace("\u200b", "")]
            assert hits, (doc, needle)
            page, x0, top, _x1, bottom, _text = hits[-1]
            same_line = [w for w in words if w[0] == page and top <= (w[2] + w[4]) / 2 <= bottom and w is not hits[-1]]
            labels = [w for w in same_line if w[1] < x0]
            assert labels, (doc, needle)  # the label is beside its value ...
            assert max(w[3] for w in labels) <= x0 + 0.5, (doc, needle, labels)  # ... and ends before it


def test_pdf_documents_use_only_the_bundled_noto_faces_and_no_arrows(held, tmp_path):
    """A character none of the Noto faces has (such as "→") is drawn by some other font of the system."""
    cr, mid = held
    for doc in ("agenda", "minutes"):
        path = tmp_path / f"{doc}.pdf"
        path.write_bytes(cr.get(f"/api/v1/meetings/{mid}/{doc}.pdf").data)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
        names = [line.split()[0] for line in fonts.splitlines()[2:] if line.strip()]
        assert names and all(re.fullmatch(r"([A-Z]{6}\+)?BRNoto[A-Za-z]+(-Bold)?", n) for n in names), names
        assert "→" not in _pdf_text(path.read_bytes(), tmp_path, f"{doc}-2.pdf")


def test_pdf_templates_never_break_burmese_inside_a_word():
    """Burmese and Lao break only at the points the wrap filter marks (pdf.breakable): a
    `word-break: break-all` would cut syllables in narrow columns."""
    folder = os.path.join(os.path.dirname(__file__), "..", "..", "border_referral", "meetings", "templates", "meetings")
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            source = f.read()
        assert "break-all" not in source and "overflow-wrap: anywhere" not in source, name
        assert "→" not in source, name
