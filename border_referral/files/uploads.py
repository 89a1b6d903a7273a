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
# images or links fetched on opening), carries macros, ActiveX or embedded objects, or has field
# codes that run a command or fetch a URL (DDE, INCLUDETEXT, INCLUDEPICTURE). Part names are
# compared without case (OPC names are case-insensitive), every relationship part is read whole
# through an XML parser (character references and other encodings resolved), and a package with
# two parts of the same name or more than DOCX_MAX_UNPACKED bytes is refused.
DOCX_MAX_UNPACKED = 200 * 1024 * 1024
# The last segment of a relationship type that loads code or another document.
_ACTIVE_REL_TYPES = {"vbaproject", "activex", "activexcontrolbinary", "control", "oleobject", "package",
                     "attachedtemplate", "frame", "subdocument", "wordvbadata", "keymapcustomizations"}
_ACTIVE_FIELDS = re.compile(r"\b(DDE|DDEAUTO|INCLUDETEXT|INCLUDEPICTURE|IMPORT|LINK)\b", re.I)


def _xml(raw: bytes):
    """An uploaded document's XML, parsed by defusedxml: entity declarations, external entities and
    DTDs are refused outright (a document that needs them is not one we accept)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        return fromstring(raw, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise ActiveContent() from None


def _check_docx(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        names = [i.filename.lower() for i in infos]
        if len(names) != len(set(names)) or sum(i.file_size for i in infos) > DOCX_MAX_UNPACKED:
            raise ActiveContent()
        for info, name in zip(infos, names):
            if re.search(r"(vbaproject\.bin|vbadata\.xml|activex/|embeddings/)", name):
                raise ActiveContent()
            if name.endswith(".rels"):
                for rel in _xml(z.read(info)).iter():
                    if not rel.tag.endswith("Relationship"):
                        continue
                    if (rel.get("TargetMode") or "").strip().lower() == "external":
                        raise ActiveContent()
                    if (rel.get("Type") or "").rstrip("/").rsplit("/", 1)[-1].lower() in _ACTIVE_REL_TYPES:
                        raise ActiveContent()
            elif name.startswith("word/") and name.endswith(".xml"):
                for el in _xml(z.read(info)).iter():
                    code = el.text if el.tag.endswith("}instrText") else next(
                        (v for k, v in el.attrib.items() if k.endswith("}instr")), None)
                    if code and _ACTIVE_FIELDS.search(code):
                        raise ActiveContent()


# A PDF is refused when it runs something: JavaScript, an action on opening or on page events,
# a launch, embedded files or rich media, XFA forms. Names may be written with #xx escapes
# (/J#61vaScript) and may sit in encoded streams: every stream is decoded (Flate, ASCIIHex,
# ASCII85, in any chain) and looked at; a stream in an encoding we cannot read, other than the
# picture codecs (which hold no PDF objects), makes the file one we cannot vouch for. The scan is
# linear in the size of the file and inflates at most PDF_MAX_INFLATED bytes in all.
PDF_MAX_INFLATED = 100 * 1024 * 1024
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|OpenAction|AA|Launch|EmbeddedFile|RichMedia|XFA|SubmitForm|ImportData|GoToR|GoToE)(?![A-Za-z0-9])")
_PICTURE_FILTERS = {b"DCTDecode", b"JPXDecode", b"CCITTFaxDecode", b"JBIG2Decode", b"DCT", b"CCF"}


class Unreadable(ServiceError):
    status = 415
    code = "unreadable_pdf"
    default_message = _l("This PDF could not be checked: it uses an encoding this system does not read. "
                         "Print it to a new PDF and attach that.")


def _pdf_names(raw: bytes) -> bytes:
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)


def _filters(dictionary: bytes) -> list[bytes]:
    m = re.search(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)", _pdf_names(dictionary))
    return re.findall(rb"/([A-Za-z0-9]+)", m.group(1)) if m else []


def _decode(chunk: bytes, filters: list[bytes], budget: int) -> bytes | None:
    """The decoded stream, or None for a picture codec; Unreadable for anything else."""
    import base64
    import binascii

    for name in filters:
        if name in _PICTURE_FILTERS:
            return None
        if name in (b"FlateDecode", b"Fl"):
            try:
                inflater = zlib.decompressobj()
                chunk = inflater.decompress(chunk, budget)
            except zlib.error:
                raise Unreadable() from None
            if inflater.unconsumed_tail:
                raise Unreadable()  # more than the budget: a bomb, refused rather than followed
        elif name in (b"ASCIIHexDecode", b"AHx"):
            hexa = re.sub(rb"\s", b"", chunk).split(b">")[0]
            try:
                chunk = binascii.unhexlify(hexa + (b"0" if len(hexa) % 2 else b""))
            except binascii.Error:
                raise Unreadable() from None
        elif name in (b"ASCII85Decode", b"A85"):
            try:
                chunk = base64.a85decode(re.sub(rb"\s", b"", chunk).split(b"~>")[0], adobe=False)
            except ValueError:
                raise Unreadable() from None
        else:
            raise Unreadable()  # LZW, RunLength, Crypt, ...: not read, so not vouched for
    return chunk


def _check_pdf(data: bytes) -> None:
    """Look at the objects between streams as written, and at each stream decoded (pictures are
    skipped: their bytes are not PDF and may contain anything)."""
    budget, pos, plain_from = PDF_MAX_INFLATED, 0, 0

    def look(text: bytes) -> None:
        if _PDF_ACTIVE.search(_pdf_names(text)):
            raise ActiveContent()

    while True:
        at = data.find(b"stream", pos)
        if at < 0:
            break
        pos = at + 6
        if data[at - 3:at] == b"end":  # the "stream" of an "endstream"
            continue
        if data[pos:pos + 2] == b"\r\n":
            start = pos + 2
        elif data[pos:pos + 1] in (b"\n", b"\r"):
            start = pos + 1
        else:
            continue  # the word inside some other token
        end = data.find(b"endstream", start)
        if end < 0:
            raise Unreadable()
        look(data[plain_from:start])
        dictionary = data[max(0, data.rfind(b"obj", 0, at)):at]
        decoded = _decode(data[start:end], _filters(dictionary), budget)
        if decoded is not None:
            budget -= len(decoded)
            if budget <= 0:
                raise Unreadable()
            look(decoded)
        pos = plain_from = end + 9
    look(data[plain_from:])


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


def shred(attachment) -> None:
    """Erasure of one stored upload (a case's or a referral's): its encrypted file is deleted once
    the erasure has committed, and the row keeps neither the file id nor the sealed name."""
    if attachment.file_id:
        schedule_delete(attachment.file_id)
    attachment.file_id = None
    attachment.filename = None
