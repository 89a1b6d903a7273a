"""What may be attached to a case, checked from the bytes (never from the name or the declared
type), and images re-encoded so that no EXIF or GPS metadata is kept."""
from __future__ import annotations

import io
import re
import threading
import unicodedata
import zipfile
import zlib

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..crypto import files
from ..database import on_commit
from ..errors import ServiceError

ALLOWED = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "text/plain": ".txt",
}


class TooLarge(ServiceError):
    status = 413
    code = "too_large"
    default_message = _l("The file is larger than allowed.")


class TooManyPixels(ServiceError):
    status = 413
    code = "too_many_pixels"
    default_message = _l("The picture has too many pixels: at most %(n)s megapixels are accepted.")


class ActiveContent(ServiceError):
    status = 415
    code = "active_content"
    default_message = _l("The document links to content outside itself or carries active content (scripts, "
                         "macros, actions on opening). Save it without them and attach it again.")


class Busy(ServiceError):
    status = 503
    code = "busy"
    default_message = _l("Too many pictures are being processed right now. Try again in a moment.")


class UnsupportedType(ServiceError):
    status = 415
    code = "unsupported_type"
    default_message = _l("This kind of file is not accepted. Attach a JPEG or PNG photo, a PDF, a Word document (DOCX) or a plain text file.")


def sniff(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            raise UnsupportedType() from None
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        raise UnsupportedType()
    if data and b"\x00" not in data:
        try:
            data.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError:
            pass
    raise UnsupportedType()


# Decoding a picture takes memory in proportion to its pixels, not its bytes (a 344 KB PNG of
# 9400 x 9400 pixels needs gigabytes): the size is read from the header and refused above the cap
# before anything is decoded, and each process decodes at most IMAGE_WORK_CONCURRENCY at a time.
_image_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()


def _slots() -> threading.BoundedSemaphore:
    global _image_slots
    with _slots_lock:
        if _image_slots is None:
            _image_slots = threading.BoundedSemaphore(max(1, int(current_app.config["IMAGE_WORK_CONCURRENCY"])))
        return _image_slots


def _reencode(data: bytes, kind: str) -> bytes:
    from PIL import Image, ImageOps, UnidentifiedImageError

    cap = int(current_app.config["IMAGE_MAX_PIXELS"])
    try:
        with Image.open(io.BytesIO(data)) as probe:  # reads the header only
            width, height = probe.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise UnsupportedType() from None
    if width * height > cap:
        raise TooManyPixels(_l("The picture has too many pixels: at most %(n)s megapixels are accepted.",
                               n=cap // 1_000_000))
    slots = _slots()
    if not slots.acquire(timeout=float(current_app.config["IMAGE_WORK_WAIT_SECONDS"])):
        raise Busy()
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            img = ImageOps.exif_transpose(img)  # keep the picture upright once the EXIF is gone
            out = io.BytesIO()
            if kind == "image/jpeg":
                img.convert("RGB").save(out, "JPEG", quality=90)
            else:
                img.save(out, "PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise UnsupportedType() from None
    finally:
        slots.release()


# A DOCX is refused when it points outside itself (external relationships: remote templates,
# images or links fetched on opening) or carries macros or embedded active parts.
_DOCX_ACTIVE_PARTS = re.compile(r"(vbaProject\.bin|vbaData\.xml|activeX/|embeddings/.*\.(bin|exe|ole|js|vbs))$", re.I)


def _check_docx(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if _DOCX_ACTIVE_PARTS.search(name):
                raise ActiveContent()
            if name.endswith(".rels"):
                with z.open(name) as fh:
                    rels = fh.read(2_000_000)
                if re.search(rb"TargetMode\s*=\s*[\"']External[\"']", rels, re.I):
                    raise ActiveContent()


# A PDF is refused when it runs something: JavaScript, an action on opening or on page events,
# a launch, embedded files or rich media, XFA forms. Names may be written with #xx escapes
# (/J#61vaScript) and may sit in compressed object streams: both are looked at.
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|OpenAction|AA|Launch|EmbeddedFile|RichMedia|XFA|SubmitForm|ImportData|GoToR|GoToE)\b")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)


def _pdf_names(raw: bytes) -> bytes:
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)


def _check_pdf(data: bytes) -> None:
    if _PDF_ACTIVE.search(_pdf_names(data)):
        raise ActiveContent()
    budget = 50_000_000  # inflate at most this much in all (a bomb is refused, not followed)
    for match in _PDF_STREAM.finditer(data):
        try:
            inflater = zlib.decompressobj()
            chunk = inflater.decompress(match.group(1), budget)
        except zlib.error:
            continue
        budget -= len(chunk)
        if budget <= 0:
            raise ActiveContent()
        if _PDF_ACTIVE.search(_pdf_names(chunk)):
            raise ActiveContent()


def sanitise(data: bytes) -> tuple[str, bytes]:
    kind = sniff(data)
    if kind.startswith("image/"):
        data = _reencode(data, kind)
    elif kind == "application/pdf":
        _check_pdf(data)
    elif kind.endswith("wordprocessingml.document"):
        _check_docx(data)
    return kind, data


def safe_name(filename: str | None, content_type: str) -> str:
    """The name the file is downloaded under: the uploaded name without paths or odd characters,
    with the extension of its real type."""
    base = re.split(r"[\\/]", filename or "")[-1]
    # No control or format characters: bidi overrides would show "invoice\u202Efdp.exe" as
    # "invoiceexe.pdf", and zero-width marks hide what a name really is.
    base = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    base = re.sub(r"[\"<>|:*?]", "", base).strip(". ")[:120]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return (stem or "attachment") + ALLOWED[content_type]


def schedule_delete(file_id: str) -> None:
    """Delete the encrypted file once the erasure has committed (a rolled-back erasure keeps it)."""
    on_commit(lambda: files.delete(file_id))
