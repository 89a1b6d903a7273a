"""What may be attached to a case, checked from the bytes (never from the name or the declared
type), and images re-encoded so that no EXIF or GPS metadata is kept."""
from __future__ import annotations

import io
import re
import zipfile

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


def _reencode(data: bytes, kind: str) -> bytes:
    from PIL import Image, ImageOps, UnidentifiedImageError

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


def sanitise(data: bytes) -> tuple[str, bytes]:
    kind = sniff(data)
    if kind.startswith("image/"):
        data = _reencode(data, kind)
    return kind, data


def safe_name(filename: str | None, content_type: str) -> str:
    """The name the file is downloaded under: the uploaded name without paths or odd characters,
    with the extension of its real type."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = re.sub(r"[\x00-\x1f\"<>|:*?]", "", base).strip(". ")[:120]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return (stem or "attachment") + ALLOWED[content_type]


def schedule_delete(file_id: str) -> None:
    """Delete the encrypted file once the erasure has committed (a rolled-back erasure keeps it)."""
    on_commit(lambda: files.delete(file_id))
