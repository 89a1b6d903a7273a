"""Sending a file or a generated document to the browser, the same way everywhere: as a download
(never shown inline, never sniffed into another type), its name in ASCII plus RFC 5987 UTF-8 for
names in Thai, Burmese or Lao."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response


def download(body: bytes, mimetype: str, filename: str) -> Response:
    resp = Response(body, mimetype=mimetype)
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "") or "attachment"
    disposition = f'attachment; filename="{ascii_name}"'
    if ascii_name != filename:
        disposition += f"; filename*=UTF-8''{quote(filename)}"
    resp.headers["Content-Disposition"] = disposition
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def attachment(att, name: str, body: bytes) -> Response:
    """An uploaded attachment (case or referral) under its checked type and its stored name."""
    return download(body, att.content_type, name)
