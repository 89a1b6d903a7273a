"""What staff hit on the first day of handovers (issue 16): the receipt prints every side's
signature; each language half of a bilingual document writes dates its own way; the manifest shows
the travel documents as recorded now and names countries and crossings; labels keep apart from their
values; no glyph falls back to a font outside the bundled Noto faces; the pages name countries and
crossings instead of printing their codes. PDFs are read back with poppler (pdftotext, pdfimages,
pdffonts)."""
import base64
import io
import os
import re
import subprocess
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from flask_babel import force_locale, gettext

from border_referral.database import session_scope
from border_referral.i18n import format_date, format_datetime
from border_referral.repatriation import services
from tests.conftest import principal, translated
from tests.repatriation.conftest import home_steps, host_steps

pytestmark = pytest.mark.usefixtures("demo")
CROSSING = "MSI-TCL"


def _png(x0, y0, x1, y1) -> str:
    """A drawn signature: one line, as the pad's hidden field carries it."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (600, 220), (0, 0, 0, 0))
    ImageDraw.Draw(img).line((x0, y0, x1, y1), fill=(17, 17, 17, 255), width=6)
    out = io.BytesIO()
    img.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _handed_over(demo, plan, at):
    pid, _ids = plan("CR", ready=True)
    with demo.test_request_context(), session_scope() as s:
        services.record_handover(s, principal(s, "case", "CR"), pid, {
            "handed_over_at": at.isoformat(), "crossing": CROSSING,
            "officials": [{"name": "Pol. Col. Somsak", "position": "Superintendent", "side": "sending"},
                          {"name": "U Kyaw", "position": "Deputy Director", "agency": "DSW", "side": "receiving"},
                          {"name": "Daw Aye", "position": "Social worker", "side": "receiving"}],
            "signatures": {"sending": _png(20, 30, 500, 180), "receiving": _png(40, 190, 560, 20)}})
    return pid


def _save(data: bytes, tmp_path, name: str):
    path = tmp_path / name
    path.write_bytes(data)
    keep = os.environ.get("BR_KEEP_PDFS")  # a folder to look at the documents in (pdftoppm them)
    if keep:
        with open(os.path.join(keep, name), "wb") as f:
            f.write(data)
    return path


def _read(path):
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return text.replace("\u200b", "")


def _fonts(path) -> list[str]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines()[2:] if line.strip()]


def _images(path) -> list[str]:
    """The pictures of the document (pdfimages -list: their types, without their alpha masks)."""
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
    return [line.split()[2] for line in out.splitlines()[2:] if line.strip() and line.split()[2] == "image"]


def _skeleton(text: str) -> str:
    """The letters of a text that survive reading back from a PDF: pdftotext puts Burmese vowel
    signs and medials out of their order, so Burmese is compared by its consonants (and everything
    that is not Burmese as it is), spaces left out."""
    return "".join(ch for ch in text if not ("\u102b" <= ch <= "\u109f") and not ch.isspace())


def _has(text: str, expected: str) -> bool:
    return _skeleton(expected) in _skeleton(text)


def _words(path):
    """Every word of the first page with its box (pdftotext -bbox), in points."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], capture_output=True,
                          check=True, text=True).stdout
    return [(float(a), float(b), float(c), float(d), w.replace("\u200b", "")) for a, b, c, d, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


def test_the_receipt_prints_the_signature_of_every_side_with_its_officials(demo, plan, tmp_path):
    at = datetime.now(timezone.utc) - timedelta(hours=2)
    pid = _handed_over(demo, plan, at)
    with demo.test_request_context(), session_scope() as s:
        from border_referral.repatriation import pdf

        data = pdf.receipt(services.read_plan(s, principal(s, "case", "TL"), pid))
    path = _save(data, tmp_path, "receipt-signatures.pdf")
    assert len(_images(path)) == 2  # the handing-over side's and the receiving side's
    text = _read(path)
    for name in ("Pol. Col. Somsak", "U Kyaw", "Daw Aye", "Deputy Director", "DSW"):
        assert text.count(name) == 2, name  # in the table of officials, and beside their side's signature
    for side in ("Handing over", "Receiving"):
        for lang in ("th", "my"):
            assert _has(text, translated(demo, lang, side))


def test_each_half_of_the_receipt_writes_dates_in_its_own_language_and_calendar(demo, plan, tmp_path):
    at = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=2)
    pid = _handed_over(demo, plan, at)
    with demo.test_request_context(), session_scope() as s:
        from border_referral.repatriation import pdf

        data = pdf.receipt(services.read_plan(s, principal(s, "case", "CR"), pid))
        thai, burmese = (format_datetime(at, locale=lang, tz="Asia/Bangkok") for lang in ("th", "my"))
        today = datetime.now(ZoneInfo("Asia/Bangkok")).date()
        thai_day, burmese_day = (format_date(today, locale=lang) for lang in ("th", "my"))
    text = _read(_save(data, tmp_path, "receipt-dates.pdf"))
    flat = re.sub(r"\s+", " ", text)
    assert str(at.year + 543) in thai and str(at.year + 543) not in burmese  # the Buddhist era is Thai only
    assert thai in flat and _has(flat, burmese)  # the handover time, in each language's own way
    assert thai_day in flat and _has(flat, burmese_day)  # "printed": each half its own date
    assert flat.count(str(at.year + 543)) == 2  # the Thai halves only: handover time, printed


def test_the_manifest_shows_the_travel_documents_as_recorded_now_and_names_countries(demo, plan, signed_in, tmp_path):
    pid, _ids = plan("CR")
    with demo.test_request_context(), session_scope() as s:
        host_steps(s, "CR", pid, CROSSING)
        services.send_manifest(s, principal(s, "case", "CR"), pid)  # before the travel documents
    page = signed_in("case", "CR").get(f"/repatriation/{pid}").get_data(as_text=True)
    assert 'data-testid="manifest-changed"' not in page
    with demo.test_request_context(), session_scope() as s:
        home_steps(s, "TL", pid)  # nationality verified: a certificate of identity, CI-0
        from border_referral.repatriation import pdf

        for role, centre in (("case", "CR"), ("case", "TL")):
            view = services.read_plan(s, principal(s, role, centre), pid)
            assert view.manifest_changed
            path = _save(pdf.manifest(view), tmp_path, f"manifest-{centre}.pdf")
            text = _read(path)
            for lang in ("th", "my"):
                assert not _has(text, translated(demo, lang, "None yet"))
                assert _has(text, translated(demo, lang, "Certificate of identity"))
                assert _has(text, Locale.parse(lang).territories["MM"])  # the nationality's name
            assert "CI-0" in text and not re.search(r"\bMM\b", text)
    # The host is told its partner's copy is out of date, and can send it again.
    web = signed_in("case", "CR")
    page = web.get(f"/repatriation/{pid}").get_data(as_text=True)
    changed = translated(demo, "th", "The manifest changed since it was sent: send it again.")
    assert 'data-testid="manifest-changed"' in page and changed in page
    assert page.index('data-testid="manifest-changed"') < page.index('data-testid="send-manifest"')
    assert 'data-testid="manifest-changed"' not in signed_in("case", "TL").get(f"/repatriation/{pid}").get_data(as_text=True)
    assert web.post_form(f"/repatriation/{pid}/manifest", {}, page=f"/repatriation/{pid}").status_code == 302
    assert 'data-testid="manifest-changed"' not in web.get(f"/repatriation/{pid}").get_data(as_text=True)


def test_the_manifest_changes_when_the_date_crossing_or_an_escort_changes(demo, plan):
    pid, _ids = plan("CR", ready=True)
    with demo.test_request_context(), session_scope() as s:
        cr = principal(s, "case", "CR")
        services.send_manifest(s, cr, pid)
        assert not services.read_plan(s, cr, pid).manifest_changed
        later = (date.today() + timedelta(days=12)).isoformat()
        step = next(st for st, _v, _w in services.read_plan(s, cr, pid).steps if st.key == "arrangements")
        services.record_step(s, cr, pid, "arrangements", {"state": "done", "version": step.version,
                                                          "details": {"date": later, "crossing": CROSSING}})
        assert services.read_plan(s, cr, pid).manifest_changed
        services.send_manifest(s, cr, pid)
        view = services.read_plan(s, cr, pid)
        assert not view.manifest_changed
        services.set_escort(s, cr, pid, view.persons[0].person.id, {"name": "Ma Hnin", "relation": "aunt"})
        assert services.read_plan(s, cr, pid).manifest_changed


@pytest.mark.parametrize("doc", ["receipt", "manifest"])
def test_documents_say_the_direction_in_words_in_the_bundled_fonts_only(demo, plan, doc, tmp_path):
    pid = _handed_over(demo, plan, datetime.now(timezone.utc) - timedelta(hours=1))
    with demo.test_request_context(), session_scope() as s:
        from border_referral.centres.services import crossings
        from border_referral.repatriation import pdf

        view = services.read_plan(s, principal(s, "case", "CR"), pid)
        data = getattr(pdf, doc)(view)
        crossing = [c for c in crossings(s) if c.code == CROSSING][0]
        expected = [crossing.name("th"), crossing.name("my")]
        for lang in ("th", "my"):
            with force_locale(lang):
                expected.append(gettext("%(origin)s to %(destination)s", origin=view.host.name(lang),
                                        destination=view.home.name(lang)))
    path = _save(data, tmp_path, f"{doc}-direction.pdf")
    flat = re.sub(r"\s+", " ", _read(path))
    assert "→" not in flat
    for line in expected:
        assert _has(flat, line)
    fonts = _fonts(path)
    assert fonts and all("BRNoto" in f for f in fonts), fonts  # nothing fell back to another font
    assert CROSSING not in flat  # the crossing by its name, not its code


def test_receipt_labels_keep_a_gap_before_their_values(demo, plan, tmp_path):
    """The receipt's label/value table: every label stays in its own column, at least 4 mm left of
    the values (a long label wraps there instead of running into its value)."""
    pid = _handed_over(demo, plan, datetime.now(timezone.utc) - timedelta(hours=1))
    with demo.test_request_context(), session_scope() as s:
        from border_referral.centres.services import crossings
        from border_referral.repatriation import pdf

        view = services.read_plan(s, principal(s, "case", "CR"), pid)
        data = pdf.receipt(view)
        crossing = [c for c in crossings(s) if c.code == CROSSING][0].name("th")
        title, persons = (translated(demo, "th", m) for m in ("Handover receipt", "Persons handed over"))
    words = _words(_save(data, tmp_path, "receipt-layout.pdf"))
    top = max(w[3] for w in words if w[4].startswith(title[:4]))
    bottom = min(w[1] for w in words if w[4].startswith(persons[:4])) - 8  # (Burmese boxes are taller)
    table = [w for w in words if top < w[1] < bottom]
    value_left = min(w[0] for w in table if w[4].startswith(crossing[:3]))  # the value column starts there
    labels = [w for w in table if w[0] < value_left - 1]
    assert labels and len(labels) < len(table)
    gap = 4 / 25.4 * 72
    assert all(w[2] < value_left - gap for w in labels), [w for w in labels if w[2] >= value_left - gap]


def test_pages_name_countries_and_crossings(demo, plan, signed_in):
    pid, ids = plan("CR", ready=True)
    web = signed_in("case", "CR")
    with demo.test_request_context():
        with force_locale("th"):
            from babel import Locale

            names = Locale.parse("th").territories
            direction = gettext("%(origin)s to %(destination)s", origin=names["TH"], destination=names["MM"])
    with demo.test_request_context(), session_scope() as s:
        from border_referral.centres.services import crossings

        crossing = next(c for c in crossings(s) if c.code == CROSSING).name("th")
    listing = web.get("/repatriation/").get_data(as_text=True)
    page = web.get(f"/repatriation/{pid}").get_data(as_text=True)
    case_page = web.get(f"/cases/{ids[0]}").get_data(as_text=True)
    for html in (listing, page, case_page):
        assert "→" not in html and "TH-MM" not in re.sub(r'value="[^"]*"', "", html)
        assert direction in html and crossing in html
        assert f">{CROSSING}<" not in html and f" {CROSSING}<" not in html
    assert f'data-testid="direction">{direction}<' in page
