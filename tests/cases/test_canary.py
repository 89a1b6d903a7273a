"""Canary names in Thai, Burmese and Lao script, a Latin name and an id number go in through the
UI and the API; afterwards none of them may appear in the database file, its WAL, a PostgreSQL dump
or the attachment store."""
import io
import os
from pathlib import Path

from tests.cases.conftest import CANARY_ID, CANARY_LATIN, CANARY_LO, CANARY_MY, CANARY_TH
from tests.conftest import Browser, database_bytes, demo_email

CANARIES = [CANARY_TH, CANARY_MY, CANARY_LO, CANARY_LATIN, CANARY_ID]


def _encodings(text: str) -> list[bytes]:
    out = [text.encode("utf-8"), text.encode("utf-16-le")]
    if text.isascii():
        out += [text.lower().encode(), text.upper().encode()]
    return out


def _stored_bytes(app) -> bytes:
    chunks = [database_bytes(app)]
    assert b"case_file" in chunks[0], "the stored data does not hold the case table"
    store = Path(app.config["BORDER_REFERRAL_INSTANCE"]) / "attachments"
    files = [p for p in store.rglob("*") if p.is_file()]
    assert files, "no attachment was stored"
    chunks += [p.read_bytes() for p in files]
    return b"".join(chunks)


def test_canaries_never_reach_the_disk(demo, token_for):
    # Through the UI
    b = Browser(demo.test_client())
    assert b.sign_in(demo_email("case", "CR")).status_code == 302
    r = b.post_form("/cases/new", {
        "full_name": CANARY_TH, "latin_name": CANARY_LATIN, "aliases": f"{CANARY_MY}\n{CANARY_LO}",
        "sex": "female", "nationality": "MM", "status": "open", "assigned_to": "", "referral_source": "",
        "id_documents-0-type": "passport", "id_documents-0-number": CANARY_ID, "id_documents-0-country": "MM",
        "narrative": f"{CANARY_LO} told her story", "village": CANARY_LO, "family_contacts-0-name": CANARY_MY,
    }, page="/cases/new")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    case_url = r.location
    b.post_form(f"{case_url}/notes", {"body": f"Note about {CANARY_MY}"}, page=case_url)
    html = b.get(case_url).get_data(as_text=True)
    assert CANARY_TH in html and CANARY_LO in html
    # Through the API, with an attachment whose name and content carry the canaries
    h = {"Authorization": f"Bearer {token_for('case', 'CR')}"}
    c = demo.test_client()
    r = c.post("/api/v1/cases", headers=h, json={
        "person": {"full_name": CANARY_MY, "latin_name": CANARY_LATIN, "sex": "male", "nationality": "LA",
                   "id_numbers": [CANARY_ID], "aliases": [CANARY_LO]},
        "narrative": CANARY_TH})
    assert r.status_code == 201
    cid = r.json["id"]
    text = f"{CANARY_TH} {CANARY_MY} {CANARY_LO} {CANARY_LATIN} {CANARY_ID}".encode()
    r = c.post(f"/api/v1/cases/{cid}/attachments", headers=h, content_type="multipart/form-data",
               data={"file": (io.BytesIO(text), f"{CANARY_LATIN}.txt")})
    assert r.status_code == 201
    assert c.get(f"/api/v1/cases/{cid}/attachments/{r.json['id']}", headers=h).data == text
    assert c.get("/api/v1/cases", headers=h, query_string={"q": CANARY_ID}).json["items"]

    with demo.app_context():
        blob = _stored_bytes(demo)
    assert b"CR-" in blob and b"case.create" in blob  # we are looking at the real data
    for canary in CANARIES:
        for form in _encodings(canary):
            assert form not in blob, f"{canary!r} found on disk"
    # and not in the key ring either
    ring = Path(demo.config["BORDER_REFERRAL_KEYRING"]).read_bytes()
    assert not any(form in ring for canary in CANARIES for form in _encodings(canary))
    assert os.stat(demo.config["BORDER_REFERRAL_KEYRING"]).st_mode & 0o077 == 0
