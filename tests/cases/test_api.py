import io
import re

import pytest
from PIL import Image

from tests.cases.conftest import CANARY_ID, CANARY_LATIN, CANARY_MY
from tests.conftest import NOT_ACCEPTED, translated

BODY = {"person": {"full_name": CANARY_MY, "latin_name": CANARY_LATIN, "sex": "female", "nationality": "MM",
                   "date_of_birth": "2009-02-03", "id_numbers": [CANARY_ID]},
        "exploitation_types": ["forced_labour"], "referral_source": "ngo", "narrative": "Found at the market."}


def auth(token, **extra):
    return {"Authorization": f"Bearer {token}", **extra}


@pytest.fixture
def api(demo, token_for):
    class Api:
        def __init__(self, role="case", centre="CR"):
            self.c = demo.test_client()
            self.h = auth(token_for(role, centre))

        def __getattr__(self, method):
            def call(path, **kw):
                return getattr(self.c, method)(path, headers={**self.h, **kw.pop("headers", {})}, **kw)
            return call
    return Api


def test_create_read_patch_list(api):
    a = api()
    r = a.post("/api/v1/cases", json=BODY)
    assert r.status_code == 201
    case = r.json
    assert re.fullmatch(r"CR-\d{4}-0001", case["case_number"]) and case["version"] == 1
    assert len(case["id"]) == 36 and case["person"]["full_name"] == CANARY_MY and case["is_child"] is True
    assert case["person"]["id_numbers"] == [CANARY_ID]
    r = a.get(f"/api/v1/cases/{case['id']}")
    assert r.status_code == 200 and r.json["narrative"] == "Found at the market."
    r = a.patch(f"/api/v1/cases/{case['id']}", json={"version": 1, "status": "in_shelter", "person": {"latin_name": "New Name"}})
    assert r.status_code == 200 and r.json["version"] == 2 and r.json["person"]["latin_name"] == "New Name"
    r = a.patch(f"/api/v1/cases/{case['id']}", json={"version": 1, "status": "closed"})
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"
    r = a.get("/api/v1/cases")
    assert r.json["items"][0]["id"] == case["id"] and r.json["next"] is None
    r = a.get("/api/v1/cases", query_string={"q": "new name"})
    assert [i["id"] for i in r.json["items"]] == [case["id"]]


def test_bad_input_is_422_json_never_500(api):
    a = api()
    for body in ({"person": {"sex": "female", "nationality": "MM"}},
                 {"person": {"full_name": "A", "sex": "robot", "nationality": "MM"}},
                 {"person": "nobody"}, {"person": {"full_name": ["x"], "sex": "male", "nationality": "MM"}},
                 {"person": {"full_name": "A", "sex": "male", "nationality": "MM", "age_estimate": "old"}}):
        r = a.post("/api/v1/cases", json=body)
        assert r.status_code == 422, (body, r.json)
        assert r.json["error"]["message"]
    r = a.post("/api/v1/cases", data="{oops", headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422) and "error" in r.json
    r = a.get("/api/v1/cases", query_string={"page": "two"})
    assert r.status_code == 422


def test_messages_follow_the_callers_language(api, demo):
    from flask_babel import force_locale, gettext
    with demo.test_request_context(), force_locale("my"):
        expected = gettext("This field is required.")
    assert expected != "This field is required."
    r = api("case", "TL").post("/api/v1/cases", json={"person": {"sex": "male", "nationality": "MM"}})
    assert r.json["error"]["message"] == expected  # the TL user reads Burmese


def test_viewer_sees_no_sensitive_fields_and_cannot_write(api):
    cid = api().post("/api/v1/cases", json={**BODY, "health": "confidential"}).json["id"]
    v = api("viewer", "CR")
    r = v.get(f"/api/v1/cases/{cid}")
    assert r.status_code == 200 and "health" not in r.json and r.json["person"]["full_name"] == CANARY_MY
    assert v.post("/api/v1/cases", json=BODY).status_code == 403
    assert v.patch(f"/api/v1/cases/{cid}", json={"version": 1, "status": "closed"}).status_code == 403


@pytest.mark.parametrize("role", ["admin", "case", "secretariat", "viewer"])
def test_every_case_call_is_404_for_another_centre(api, role):
    cid = api().post("/api/v1/cases", json=BODY).json["id"]
    att = api().post(f"/api/v1/cases/{cid}/attachments", data={"file": (io.BytesIO(b"hello"), "a.txt")},
                     content_type="multipart/form-data").json["id"]
    o = api(role, "TL")
    calls = [("get", f"/api/v1/cases/{cid}", {}),
             ("patch", f"/api/v1/cases/{cid}", {"json": {"version": 1, "status": "closed"}}),
             ("post", f"/api/v1/cases/{cid}/attachments", {"data": {"file": (io.BytesIO(b"x"), "b.txt")},
                                                             "content_type": "multipart/form-data"}),
             ("get", f"/api/v1/cases/{cid}/attachments/{att}", {}),
             ("post", f"/api/v1/cases/{cid}/notes", {"json": {"body": "x"}}),
             ("post", f"/api/v1/cases/{cid}/erase", {"json": {"reason": "duplicate"}})]
    for method, path, kw in calls:
        r = getattr(o, method)(path, **kw)
        assert r.status_code == 404, (role, method, path, r.status_code)
        assert r.json["error"]["code"] == "not_found"
    listed = o.get("/api/v1/cases").json["items"] if role != "secretariat" else []
    assert all(i["id"] != cid for i in listed)
    if role in ("case", "viewer"):
        assert o.get("/api/v1/cases", query_string={"q": CANARY_LATIN}).json["items"] == []


def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (64, 48), "blue")
    exif = Image.Exif()
    exif[0x010F] = "CanaryCamera"  # Make
    exif[0x8825] = {1: "N", 2: (13.0, 45.0, 0.0), 3: "E", 4: (100.0, 30.0, 0.0)}  # GPS
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def test_attachment_round_trip_without_exif(api):
    a = api()
    cid = a.post("/api/v1/cases", json=BODY).json["id"]
    raw = _jpeg_with_gps()
    assert b"CanaryCamera" in raw and Image.open(io.BytesIO(raw)).getexif()
    r = a.post(f"/api/v1/cases/{cid}/attachments", data={"file": (io.BytesIO(raw), "../../ฉัน photo.jpeg")},
               content_type="multipart/form-data")
    assert r.status_code == 201 and r.json["content_type"] == "image/jpeg"
    got = a.get(f"/api/v1/cases/{cid}/attachments/{r.json['id']}")
    assert got.status_code == 200 and got.mimetype == "image/jpeg"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert b"CanaryCamera" not in got.data and not Image.open(io.BytesIO(got.data)).getexif()
    assert Image.open(io.BytesIO(got.data)).size == (64, 48)


@pytest.mark.parametrize("payload, name", [
    (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(100), "tool.exe"),
    (b"\x00\x01\x02binary", "x.txt"),
    (b"PK\x03\x04not-a-zip", "x.docx"),
    (b"GIF89a" + bytes(20), "x.gif"),
])
def test_disallowed_types_are_refused(api, demo, payload, name):
    a = api()
    cid = a.post("/api/v1/cases", json=BODY).json["id"]
    r = a.post(f"/api/v1/cases/{cid}/attachments", data={"file": (io.BytesIO(payload), name)},
               content_type="multipart/form-data")
    # the demo case worker of CR reads Thai
    assert r.status_code == 415 and r.json["error"]["message"] == translated(demo, "th", NOT_ACCEPTED)


def test_oversize_is_413(api, demo):
    demo.config["ATTACHMENT_MAX_BYTES"] = 1000
    a = api()
    cid = a.post("/api/v1/cases", json=BODY).json["id"]
    r = a.post(f"/api/v1/cases/{cid}/attachments", data={"file": (io.BytesIO(b"a" * 1001), "big.txt")},
               content_type="multipart/form-data")
    assert r.status_code == 413 and r.json["error"]["code"] == "too_large"
    demo.config["MAX_CONTENT_LENGTH"] = 2000
    r = a.post(f"/api/v1/cases/{cid}/attachments", data={"file": (io.BytesIO(b"a" * 5000), "big.txt")},
               content_type="multipart/form-data")
    assert r.status_code == 413 and r.json["error"]["code"] == "too_large"


def test_erase_by_admin(api):
    cid = api().post("/api/v1/cases", json=BODY).json["id"]
    assert api("case", "CR").post(f"/api/v1/cases/{cid}/erase", json={"reason": "duplicate"}).status_code == 403
    r = api("admin", "CR").post(f"/api/v1/cases/{cid}/erase", json={"reason": "duplicate"})
    assert r.status_code == 200 and r.json["erased"] is True
    assert api().get(f"/api/v1/cases/{cid}").status_code == 404


# ---- issue 14: found by schemathesis (tests/security/test_schemathesis.py), each a 500 before

def test_fixed_note_body_that_is_not_text_is_a_500(api, demo):
    a = api()
    cid = a.post("/api/v1/cases", json=BODY).json["id"]
    for raw in ('{"body": true}', '{"body": ["a", "b"]}', '{"body": {"x": 1}}', '{"body": "lone \\ud800 half"}'):
        r = a.post(f"/api/v1/cases/{cid}/notes", data=raw, content_type="application/json")
        assert r.status_code == 422 and r.json["error"]["code"] == "invalid", (raw, r.json)
    r = a.post(f"/api/v1/cases/{cid}/notes", json={"body": True})
    assert r.json["error"]["message"] == translated(demo, "th", "Enter text.")
    assert a.post(f"/api/v1/cases/{cid}/notes", json={"body": "  Met the family.  "}).status_code == 201


def test_fixed_id_numbers_that_are_not_a_list_are_a_500(api, demo):
    a = api()
    for value in (True, 7, "ZQ123456", {"number": "ZQ123456"}):
        body = {**BODY, "person": {**BODY["person"], "id_numbers": value}}
        r = a.post("/api/v1/cases", json=body)
        assert r.status_code == 422, (value, r.json)
        assert r.json["error"]["message"] == translated(demo, "th", "Enter a list of texts.")
    assert a.post("/api/v1/cases", json=BODY).json["person"]["id_numbers"] == [CANARY_ID]


def test_fixed_page_beyond_any_offset_is_a_500(api, demo):
    a = api()
    a.post("/api/v1/cases", json=BODY)
    r = a.get("/api/v1/cases?page=99999999999999999999")
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid"
    assert r.json["error"]["message"] == translated(demo, "th", "Enter a page number from 1 to %(n)s.", n=1_000_000)
    assert a.get("/api/v1/cases?page=1000000").json == {"items": [], "next": None}
    assert len(a.get("/api/v1/cases?page=-3").json["items"]) == 1  # as before: below 1 is the first page


def test_fixed_nul_in_a_list_filter_is_a_500(api, demo):
    """PostgreSQL refuses a NUL in a compared value (DataError): the filters are checked first."""
    a = api()
    a.post("/api/v1/cases", json=BODY)
    for name in ("status", "nationality", "exploitation_type"):
        r = a.get(f"/api/v1/cases?{name}=open%00")
        assert r.status_code == 422 and r.json["error"]["code"] == "invalid", (name, r.json)
        assert r.json["error"]["message"] == translated(demo, "th", "The text contains characters that cannot be stored.")
    assert len(a.get("/api/v1/cases?nationality=MM").json["items"]) == 1


def test_q_finds_one_word_of_a_name_the_words_reversed_and_the_case_number(api):
    a = api()
    case = a.post("/api/v1/cases", json={"person": {"full_name": "สมศรี แก้วมณี", "sex": "female",
                                                    "nationality": "TH"}}).json
    for q in ("สมศรี", "แก้วมณี สมศรี", case["case_number"]):
        r = a.get("/api/v1/cases", query_string={"q": q})
        assert [i["id"] for i in r.json["items"]] == [case["id"]], q
    assert api("case", "TL").get("/api/v1/cases", query_string={"q": case["case_number"]}).json["items"] == []
