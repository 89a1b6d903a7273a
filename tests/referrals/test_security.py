"""Security review of cross-border referrals (threat-model tests).

`test_finding_*` demonstrate defects found in the review: they FAIL until the defect is fixed.
Every other test is a guard for behaviour that was checked and found sound; it must keep passing."""
from __future__ import annotations

import dataclasses
import io
import re
import threading

import pytest
from sqlalchemy import func, select, text

from border_referral.audit.models import AuditRecord
from border_referral.database import session_scope
from border_referral.errors import Conflict, PermissionDenied, ValidationError
from border_referral.referrals import services
from border_referral.notifications.models import Notification
from border_referral.referrals.models import Referral, ReferralCounter, ReferralMessage
from tests.cases.conftest import CANARY_ID, CANARY_LATIN, CANARY_MY
from tests.conftest import principal
from tests.referrals.conftest import HEALTH_CANARY, UNSHARED_CANARY, body

GUARDIAN = "Daw Aye (mother)"       # the sender's consent record (body() puts it there)
OVERRIDE = "Zqxj-override-canary"   # a supervisor's override reason
DECLINE = "Zqxj-decline-canary"
MESSAGE = "Zqxj-message-canary"
LEGAL = "Zqxj-legal-ground-canary"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)


# ---------------------------------------------------------------- helpers

@pytest.fixture
def api(demo, token_for):
    """Factory: a JSON client with the bearer token of a demo user (role 'case', 'viewer', ...)."""
    def make(role="case", centre="CR"):
        c = demo.test_client()
        h = {"Authorization": f"Bearer {token_for(role, centre)}"}

        class Api:
            def __getattr__(self, method):
                def call(path, **kw):
                    return getattr(c, method)(path, headers={**h, **kw.pop("headers", {})}, **kw)
                return call
        return Api()
    return make


def count(demo, model, *where):
    with demo.app_context(), session_scope() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def audits(demo, action, centre=None):
    where = [AuditRecord.action == action] + ([AuditRecord.actor_centre == centre] if centre else [])
    return count(demo, AuditRecord, *where)


def state_of(demo, rid):
    with demo.app_context(), session_scope() as s:
        return s.get(Referral, rid).state


def attach(client, rid, data=b"Family found in Wan Kat village", name="report.txt"):
    return client.post(f"/api/v1/referrals/{rid}/attachments", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name)})


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)


# ================================================================ FINDINGS (fail until fixed)

def test_fixed_viewer_reads_health_through_the_package(db, referral):
    """services.read_referral returns the whole package to READ_ROLES (incl. viewer), ignoring
    cases.visible_fields: a viewer, who may not see `health` on the case itself, reads it here."""
    _c, rid = referral("sent", shared_fields=["full_name", "health"])
    with db() as s:
        for centre in ("TL", "CR"):
            viewer = principal(s, "viewer", centre)
            assert "health" not in services.cases.visible_fields(viewer)
            package = services.read_referral(s, viewer, rid).package or {}
            assert HEALTH_CANARY not in repr(package), f"viewer of {centre} reads the health record"


@pytest.mark.parametrize("over", [
    {"legal_ground": "Consent \ud800"},
    {"message": "Please trace \ud800"},
    {"consent": {"given": True, "guardian": "Daw \ud800"}},
])
def test_fixed_lone_surrogate_is_a_500(api, make_case, demo, over):
    """cases.validation._text (reused by referrals) lets lone surrogates through; encoding them for
    the database or the vault raises UnicodeEncodeError -> 500 instead of 422."""
    case_id = make_case()
    r = api("case", "CR").post("/api/v1/referrals", json=body(case_id, **over))
    assert r.status_code == 422, r.status_code
    assert count(demo, Referral) == 0


def test_fixed_lone_surrogate_in_a_message_is_a_500(api, referral):
    _c, rid = referral("sent")
    r = api("case", "TL").post(f"/api/v1/referrals/{rid}/messages", json={"body": "found \udfff", "language": "en"})
    assert r.status_code == 422, r.status_code


def test_fixed_nul_character_in_legal_ground_is_accepted(api, make_case, demo):
    """legal_ground is a plaintext column: a NUL is stored on SQLite and is a 500 (DataError) on
    PostgreSQL. Bad input must be a 422."""
    case_id = make_case()
    r = api("case", "CR").post("/api/v1/referrals", json=body(case_id, legal_ground="Consent\x00MOU"))
    assert r.status_code == 422, r.status_code


@pytest.mark.parametrize("method, path, payload", [
    ("get", "/api/v1/referrals/%00", None),
    ("post", "/api/v1/referrals/%00/messages", {"body": "hi"}),
    ("post", "/api/v1/referrals", "case_id"),
    ("post", "/api/v1/referrals", "to_centre"),
])
def test_fixed_nul_characters_reach_the_database(api, make_case, method, path, payload):
    """PostgreSQL only (passes on SQLite): _get / cases._case / the to_centre lookup hand an id or a
    code containing NUL to the database, which raises DataError -> 500 instead of 404/422.
    Run with BR_TEST_DATABASE=postgresql+psycopg://... to see it fail."""
    client = api("case", "CR")
    if payload in ("case_id", "to_centre"):
        data = body(make_case())
        data[payload] = "TL\x00" if payload == "to_centre" else "\x00"
        r = client.post(path, json=data)
    else:
        r = getattr(client, method)(path, **({"json": payload} if payload else {}))
    assert r.status_code in (404, 422), r.status_code


def test_fixed_legal_ground_is_sealed_with_the_consent_record(demo, referral):
    """legal_ground is free text; case workers may write 'consent of the mother Daw Aye...' there, so
    it is sealed with the consent record under the case's key, never in a clear column."""
    _c, rid = referral("draft", legal_ground=f"Consent of the mother {LEGAL}")
    with demo.app_context(), session_scope() as s:
        raw = s.execute(text("SELECT legal_ground FROM referral_consent WHERE referral_id = :i"), {"i": rid}).scalar_one()
    assert raw and LEGAL.encode() not in bytes(raw)


def test_fixed_guardian_and_override_reason_are_read_without_audit(db, make_case):
    """read_referral decrypts the consent record (guardian's name, override reason) with
    Vault.decrypt, which writes no audit record: a read of personal data that is not logged."""
    case_id = make_case()
    with db() as s:
        sup = principal(s, "supervisor", "CR")
        r1 = services.create_referral(s, sup, body(case_id))  # consent with guardian
        r2 = services.create_referral(s, sup, body(case_id, consent={"given": False, "override_reason": OVERRIDE}))
        first = s.execute(select(func.max(AuditRecord.seq))).scalar_one()
        reader = principal(s, "case", "CR")
        assert services.read_referral(s, reader, r1.id).consent["guardian"] == GUARDIAN
        assert services.read_referral(s, reader, r2.id).consent["override_reason"] == OVERRIDE
        details = [rec.details for rec in s.execute(select(AuditRecord).where(AuditRecord.seq > first)).scalars()]
    logged = " ".join(details)
    assert "guardian" in logged and "override_reason" in logged, details


def test_fixed_refused_action_page_shows_the_package_without_an_audit_record(signed_in, referral, demo):
    """views._refused re-renders the referral (decrypting the package) with status 409; the status
    rolls the request back, so the audit record of that read is lost while the data was shown."""
    _c, rid = referral("sent")
    tl = signed_in("case", "TL")
    url = f"/referrals/{rid}"
    token = token_of(tl.get(url).get_data(as_text=True))
    before = audits(demo, "referral.read", "TL")
    r = tl.client.post(f"{url}/action/accept", data={"csrf_token": token})  # not yet acknowledged
    assert r.status_code == 409 and CANARY_MY in r.get_data(as_text=True)
    assert audits(demo, "referral.read", "TL") == before + 1, "personal data shown, read not audited"


def test_fixed_refused_new_referral_form_shows_case_data_without_an_audit_record(signed_in, make_case, demo):
    """views.new re-renders the preview (every shareable field of the case, decrypted) with
    status 422/403; the audit record of that read is rolled back with the request."""
    case_id = make_case()
    cr = signed_in("case", "CR")
    page = f"/referrals/new/{case_id}"
    token = token_of(cr.get(page).get_data(as_text=True))
    before = audits(demo, "case.read_for_referral_form")
    r = cr.client.post(page, data={"csrf_token": token, "to_centre": "TL", "purpose": "family_tracing",
                                   "shared_fields": ["full_name"], "consent_given": "", "legal_ground": "x"})
    assert r.status_code == 422 and CANARY_MY in r.get_data(as_text=True)
    assert audits(demo, "case.read_for_referral_form") == before + 1, "personal data shown, read not audited"


def test_fixed_erasing_the_case_leaves_the_package_readable(api, make_case, demo):
    """cases.erase_case shreds the case, its notes, files and screenings, but not its referrals:
    the copy of the person's name, address and family contacts stays readable by both centres."""
    case_id = make_case()
    cr, tl = api("case", "CR"), api("case", "TL")
    rid = cr.post("/api/v1/referrals", json=body(case_id)).json["id"]
    assert cr.post(f"/api/v1/referrals/{rid}/send").status_code == 200
    erased = api("admin", "CR").post(f"/api/v1/cases/{case_id}/erase", json={"reason": "data_subject_request"})
    assert erased.status_code == 200
    for side in (cr, tl):
        got = side.get(f"/api/v1/referrals/{rid}")
        assert got.status_code == 404 or CANARY_MY not in repr(got.json), \
            "the erased person's name is still readable through the referral"


def test_fixed_withdrawing_a_draft_notifies_the_receiver(demo, referral):
    """perform('withdraw') notifies (and e-mails) the receiving centre even for a draft it never saw:
    the partner learns that a referral about someone was prepared (reference, link)."""
    _c, rid = referral("withdrawn")  # withdrawn straight from draft
    with demo.app_context(), session_scope() as s:
        tl_users = {principal(s, role, "TL").id for role in ("case", "supervisor")}
        got = s.execute(select(Notification.user_id).where(Notification.subject == "referral", Notification.subject_id == rid)).scalars().all()
    assert not tl_users & set(got), "the receiver was told about a draft"


def test_fixed_send_does_not_recheck_what_the_sender_may_see(db, make_case, monkeypatch):
    """_shared_fields is checked against the *creator* only; `send` copies r.fields with the
    sending user's vault read without checking that this user may see them. With a role that
    does not see health (as the viewer role today), a draft with `health` is still sent."""
    from border_referral.cases import services as case_services
    from border_referral.cases.models import FACTS, IDENTITY

    case_id = make_case()
    with db() as s:
        r = services.create_referral(s, principal(s, "case", "CR"), body(case_id, shared_fields=["full_name", "health"]))
        monkeypatch.setitem(case_services.GROUPS_BY_ROLE, "mdt", {IDENTITY, FACTS})
        mdt_only = dataclasses.replace(principal(s, "case", "CR"), roles=frozenset({"mdt"}))
        assert "health" not in case_services.visible_fields(mdt_only)
        with pytest.raises((ValidationError, PermissionDenied)):
            services.perform(s, mdt_only, r.id, "send")


def test_fixed_send_audit_tells_the_sender_about_the_receivers_case_files(db, make_case, referral):
    """The duplicate hint is meant for the receiver only, but the *sender's* audit record of
    `send` (actor_centre = sender) carries duplicate_fields, i.e. what the partner's files hold."""
    make_case(centre="TL")  # Tachileik already knows the person
    _c, rid = referral("sent")
    with db() as s:
        rec = s.execute(select(AuditRecord).where(AuditRecord.action == "referral.send",
                                                  AuditRecord.target_id == rid)).scalar_one()
        assert rec.actor_centre == "CR"
        assert "full_name" not in rec.details, rec.details


def test_fixed_new_referral_page_puts_a_script_tag_in_the_title(signed_in, make_case):
    """new.html overrides the `title` block with a <script> tag: it lands inside <title> (RCDATA)
    and the tab shows '<script src=...>' as text."""
    case_id = make_case()
    html = signed_in("case", "CR").get(f"/referrals/new/{case_id}").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "<script" not in title, title


def test_fixed_overlong_message_is_dropped_without_an_error(signed_in, referral, demo):
    """views.message (and views.act / views.attach): when the form does not validate (here the
    20000-character limit) the view redirects without a word: the user's text is lost silently."""
    _c, rid = referral("sent")
    tl = signed_in("case", "TL")
    url = f"/referrals/{rid}"
    before = count(demo, ReferralMessage)
    r = tl.post_form(f"{url}/messages", {"body": "x" * 20001, "language": "en"}, page=url)
    assert count(demo, ReferralMessage) == before  # refused: right
    shown = r.get_data(as_text=True) if r.status_code != 302 else tl.get(r.location).get_data(as_text=True)
    assert r.status_code >= 400 or "flash-error" in shown, "no error shown for refused input"


def test_fixed_consent_date_has_no_lower_bound(api, make_case):
    """_consent accepts any past date (year 1): a consent dated before the person was born."""
    case_id = make_case(date_of_birth="1990-01-01")
    r = api("case", "CR").post("/api/v1/referrals", json=body(case_id, consent={"given": True, "date": "0001-01-01"}))
    assert r.status_code == 422


# ================================================================ GUARDS (sound today)

# ---- who may reach a referral

def test_third_centres_get_404_everywhere(api, referral):
    """MS (no partner) and HX (tri-country partner of both CR and TL, but not a party)."""
    _c, rid = referral("accepted")
    att = attach(api("case", "TL"), rid).json["id"]
    for centre in ("MS", "HX"):
        for role in ("case", "viewer", "admin", "supervisor"):
            x = api(role, centre)
            assert x.get(f"/api/v1/referrals/{rid}").status_code == 404
            assert x.get(f"/api/v1/referrals/{rid}/attachments/{att}").status_code == 404
            for action in services.TRANSITIONS:
                assert x.post(f"/api/v1/referrals/{rid}/{action}", json={"reason": "x"}).status_code == 404
            assert x.post(f"/api/v1/referrals/{rid}/messages", json={"body": "hi"}).status_code == 404
            assert attach(x, rid).status_code == 404
            for box in ("inbox", "outbox"):
                items = x.get("/api/v1/referrals", query_string={"box": box})
                assert items.status_code in (200, 403)
                if items.status_code == 200:
                    assert items.json["items"] == []


def test_third_centre_pages_are_404(signed_in, referral):
    _c, rid = referral("sent")
    hx = signed_in("case", "HX")
    assert hx.get(f"/referrals/{rid}").status_code == 404
    assert rid not in hx.get("/referrals/?box=inbox").get_data(as_text=True)
    assert rid not in hx.get("/notifications").get_data(as_text=True)


@pytest.mark.parametrize("state", ["draft", "withdrawn"])
def test_receiver_cannot_reach_a_draft_or_withdrawn_referral(api, make_case, demo, state):
    case_id = make_case()
    cr, tl = api("case", "CR"), api("case", "TL")
    rid = cr.post("/api/v1/referrals", json=body(case_id)).json["id"]
    att = attach(cr, rid).json["id"]  # the sender's draft attachment
    if state == "withdrawn":
        cr.post(f"/api/v1/referrals/{rid}/send")
        tl_att = attach(tl, rid).json["id"]
        assert cr.post(f"/api/v1/referrals/{rid}/withdraw").status_code == 200
        assert tl.get(f"/api/v1/referrals/{rid}/attachments/{tl_att}").status_code == 404
        assert cr.get(f"/api/v1/referrals/{rid}/attachments/{att}").status_code == 404  # shredded
    assert tl.get(f"/api/v1/referrals/{rid}").status_code == 404
    assert tl.get(f"/api/v1/referrals/{rid}/attachments/{att}").status_code == 404
    assert tl.post(f"/api/v1/referrals/{rid}/messages", json={"body": "hi"}).status_code == 404
    assert attach(tl, rid).status_code == 404
    for action in services.TRANSITIONS:
        assert tl.post(f"/api/v1/referrals/{rid}/{action}", json={"reason": "x"}).status_code == 404
    assert tl.get("/api/v1/referrals", query_string={"box": "inbox"}).json["items"] == []
    assert tl.get("/api/v1/referrals", query_string={"box": "inbox", "state": state}).json["items"] == []


# ---- what the receiver sees

def test_receiver_sees_only_the_package_case_number_and_status(api, referral, signed_in, demo):
    case_id, rid = referral("acknowledged", legal_ground=f"MOU {LEGAL}")
    tl = api("case", "TL")
    got = tl.get(f"/api/v1/referrals/{rid}").json
    assert set(got["package"]) == {"full_name", "sex", "nationality", "home_address"}
    dump = repr(got)
    for secret in (case_id, GUARDIAN, LEGAL, UNSHARED_CANARY, HEALTH_CANARY, CANARY_ID, CANARY_LATIN):
        assert secret not in dump
    for key in ("case_id", "consent", "legal_ground", "shared_fields"):
        assert key not in got
    listed = repr(tl.get("/api/v1/referrals", query_string={"box": "inbox"}).json)
    assert case_id not in listed and GUARDIAN not in listed
    page = signed_in("case", "TL").get(f"/referrals/{rid}").get_data(as_text=True)
    assert CANARY_MY in page  # the shared name
    for secret in (case_id, GUARDIAN, LEGAL, UNSHARED_CANARY, HEALTH_CANARY, CANARY_ID):
        assert secret not in page


def test_override_reason_never_reaches_the_receiver(api, make_case, signed_in):
    case_id = make_case()
    sup = api("supervisor", "CR")
    r = sup.post("/api/v1/referrals", json=body(case_id, consent={"given": False, "override_reason": OVERRIDE}))
    assert r.status_code == 201 and r.json["consent"]["override_reason"] == OVERRIDE  # the sender's own view
    rid = r.json["id"]
    sup.post(f"/api/v1/referrals/{rid}/send")
    assert OVERRIDE not in api("case", "TL").get(f"/api/v1/referrals/{rid}").get_data(as_text=True)
    assert OVERRIDE not in signed_in("case", "TL").get(f"/referrals/{rid}").get_data(as_text=True)


# ---- consent override, cases of other centres, erased cases

def test_only_a_supervisor_may_override_consent_and_a_refusal_writes_nothing(api, signed_in, make_case, demo):
    case_id = make_case()
    no = {"given": False, "override_reason": OVERRIDE}
    before = (count(demo, ReferralCounter), count(demo, AuditRecord))
    for role in ("case", "viewer", "admin", "secretariat"):
        assert api(role, "CR").post("/api/v1/referrals", json=body(case_id, consent=no)).status_code in (403, 404)
    cr = signed_in("case", "CR")
    r = cr.post_form(f"/referrals/new/{case_id}", {
        "to_centre": "TL", "purpose": "service", "shared_fields": ["sex"], "consent_given": "no",
        "override_reason": OVERRIDE, "legal_ground": "Life at risk"})
    assert r.status_code == 403
    assert count(demo, Referral) == 0
    assert count(demo, ReferralCounter) == before[0]
    assert audits(demo, "referral.create") == 0 and audits(demo, "referral.consent_override") == 0


def test_another_centres_case_or_an_erased_case_cannot_be_referred(api, make_case, demo):
    tl_case = make_case(centre="TL")
    assert api("case", "CR").post("/api/v1/referrals", json=body(tl_case)).status_code == 404
    assert api("case", "MS").post("/api/v1/referrals", json=body(tl_case, to_centre="MW")).status_code == 404
    case_id = make_case()
    cr = api("case", "CR")
    draft = cr.post("/api/v1/referrals", json=body(case_id)).json["id"]
    assert api("admin", "CR").post(f"/api/v1/cases/{case_id}/erase", json={"reason": "entered_in_error"}).status_code == 200
    assert cr.post("/api/v1/referrals", json=body(case_id)).status_code == 404
    # nothing of an erased case is sent: the erasure withdrew its draft
    assert cr.post(f"/api/v1/referrals/{draft}/send").status_code == 409
    assert state_of(demo, draft) == "withdrawn"


def test_to_centre_must_be_a_partner_other_than_oneself(api, make_case, demo):
    case_id = make_case()
    for code in ("CR", "MS", "MW", "ZZ", "tl", " TL"):
        assert api("case", "CR").post("/api/v1/referrals", json=body(case_id, to_centre=code)).status_code == 422
    assert count(demo, Referral) == 0


# ---- bad input: a clear 4xx, nothing written, never a 500

ODD_CREATE = [
    {"case_id": 1}, {"case_id": [1]}, {"case_id": {"id": 1}}, {"case_id": None}, {"case_id": "x" * 10000},
    {"case_id": True},
    {"to_centre": 1}, {"to_centre": ["TL"]}, {"to_centre": {"code": "TL"}}, {"to_centre": None}, {"to_centre": "T" * 10000},
    {"purpose": 1}, {"purpose": ["service"]}, {"purpose": {"service": 1}}, {"purpose": None},
    {"shared_fields": {"full_name": True}}, {"shared_fields": 7}, {"shared_fields": "full_name"},
    {"shared_fields": [["full_name"]]}, {"shared_fields": [{"f": 1}]}, {"shared_fields": [1, 2]},
    {"shared_fields": ["x" * 1000] * 2000}, {"shared_fields": [None]},
    {"consent": []}, {"consent": 1}, {"consent": "yes"}, {"consent": None}, {"consent": {"given": 1}},
    {"consent": {"given": "true"}}, {"consent": {"given": None}},
    {"consent": {"given": True, "date": [2020]}}, {"consent": {"given": True, "date": {"y": 1}}},
    {"consent": {"given": True, "date": 1e308}}, {"consent": {"given": True, "date": "2999-01-01"}},
    {"consent": {"given": True, "date": "31/12/2020"}},
    {"consent": {"given": True, "method": ["written"]}}, {"consent": {"given": True, "method": {"a": 1}}},
    {"consent": {"given": True, "method": 5}}, {"consent": {"given": True, "guardian": 5}},
    {"consent": {"given": True, "guardian": ["a"]}}, {"consent": {"given": True, "guardian": "g" * 201}},
    {"consent": {"given": False, "override_reason": ["x"]}}, {"consent": {"given": False, "override_reason": 1}},
    {"legal_ground": ["x"]}, {"legal_ground": {"x": 1}}, {"legal_ground": 1}, {"legal_ground": None},
    {"legal_ground": "x" * 501},
    {"message": ["x"]}, {"message": {"x": 1}}, {"message": 1}, {"message": "x" * 20001},
    {"language": ["en"]}, {"language": {"en": 1}}, {"language": 1}, {"language": "xx"},
]


@pytest.mark.parametrize("over", ODD_CREATE, ids=[repr(o)[:60] for o in ODD_CREATE])
def test_odd_json_on_create_is_a_clear_4xx_and_writes_nothing(api, make_case, demo, over):
    case_id = make_case()
    data = body(case_id)
    if "case_id" in over:
        data["case_id"] = over["case_id"]
    else:
        data.update(over)
    r = api("case", "CR").post("/api/v1/referrals", json=data)
    assert r.status_code in (400, 403, 404, 413, 422), r.status_code
    assert r.json["error"]["message"]
    assert count(demo, Referral) == 0 and audits(demo, "referral.create") == 0


@pytest.mark.parametrize("payload", [[], [1, 2], 1, "x", None, True, {"reason": ["x"]}, {"reason": 5},
                                     {"reason": {"x": 1}}, {"reason": "x" * 20001}, {"reason": ""}])
def test_odd_json_on_decline_is_a_clear_4xx(api, referral, demo, payload):
    _c, rid = referral("acknowledged")
    r = api("case", "TL").post(f"/api/v1/referrals/{rid}/decline", json=payload)
    assert r.status_code in (400, 422), r.status_code
    assert state_of(demo, rid) == "acknowledged"


@pytest.mark.parametrize("payload", [[], 1, "x", {"body": ["x"]}, {"body": 5}, {"body": {"x": 1}}, {"body": None},
                                     {"body": "x" * 20001}, {"body": "ok", "language": ["en"]},
                                     {"body": "ok", "language": {"en": 1}}, {"body": "ok", "language": 3},
                                     {"body": "ok", "language": "fr"}])
def test_odd_json_on_messages_is_a_clear_4xx(api, referral, demo, payload):
    _c, rid = referral("sent")
    before = count(demo, ReferralMessage)
    r = api("case", "TL").post(f"/api/v1/referrals/{rid}/messages", json=payload)
    assert r.status_code in (400, 422), r.status_code
    assert count(demo, ReferralMessage) == before


@pytest.mark.parametrize("path", ["/api/v1/referrals/" + "x" * 5000, "/api/v1/referrals/1",
                                  "/api/v1/referrals/x/attachments/" + "y" * 5000])
def test_odd_ids_are_404(api, path):
    assert api("case", "TL").get(path).status_code == 404


def test_odd_box_query_is_a_clear_4xx(api):
    cr = api("case", "CR")
    assert cr.get("/api/v1/referrals", query_string={"box": "all"}).status_code == 422
    assert cr.get("/api/v1/referrals", query_string={"box": "inbox", "state": "x" * 5000}).status_code == 422
    assert cr.get("/api/v1/referrals", query_string={"box": "inbox", "purpose": "[]"}).status_code == 422


# ---- closed threads

@pytest.mark.parametrize("state", ["declined", "completed"])
def test_no_messages_or_attachments_on_a_closed_referral(api, referral, demo, state):
    _c, rid = referral(state)
    before = count(demo, ReferralMessage)
    for centre in ("CR", "TL"):
        x = api("case", centre)
        assert x.post(f"/api/v1/referrals/{rid}/messages", json={"body": "late"}).status_code == 409
        assert attach(x, rid).status_code == 409
    assert count(demo, ReferralMessage) == before
    assert api("case", "TL").get(f"/api/v1/referrals/{rid}").json["attachments"] == []


def test_no_messages_or_attachments_after_withdrawal_for_the_sender(api, referral):
    _c, rid = referral("withdrawn")
    cr = api("case", "CR")
    assert cr.post(f"/api/v1/referrals/{rid}/messages", json={"body": "late"}).status_code == 409
    assert attach(cr, rid).status_code == 409


def test_closed_thread_via_the_pages(signed_in, referral, demo):
    _c, rid = referral("completed")
    cr = signed_in("case", "CR")
    url = f"/referrals/{rid}"
    assert 'action="/referrals/%s/messages"' % rid not in cr.get(url).get_data(as_text=True)
    token = token_of(cr.get(url).get_data(as_text=True))
    before = count(demo, ReferralMessage)
    assert cr.client.post(f"{url}/messages", data={"csrf_token": token, "body": "late", "language": "en"}).status_code == 409
    r = cr.client.post(f"{url}/attachments", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (io.BytesIO(b"late"), "late.txt")})
    assert r.status_code == 409
    assert count(demo, ReferralMessage) == before


# ---- CSRF, CSP, XSS

def test_every_referral_form_needs_the_csrf_token(signed_in, referral, make_case, demo):
    case_id, rid = referral("sent")
    tl = signed_in("case", "TL")
    url = f"/referrals/{rid}"
    assert tl.client.post(f"{url}/action/acknowledge").status_code == 400
    assert tl.client.post(f"{url}/messages", data={"body": "hi", "language": "en"}).status_code == 400
    assert tl.client.post(f"{url}/attachments", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(b"hi"), "a.txt")}).status_code == 400
    assert state_of(demo, rid) == "sent"
    cr = signed_in("case", "CR")
    r = cr.client.post(f"/referrals/new/{case_id}", data={"to_centre": "TL", "purpose": "service", "shared_fields": ["sex"],
                                                          "consent_given": "yes", "legal_ground": "x"})
    assert r.status_code == 400 and count(demo, Referral) == 1
    page = tl.get(url).get_data(as_text=True)
    assert page.count('name="csrf_token"') >= page.count('method="post"')


def test_referral_pages_have_a_strict_csp_and_no_inline_script(signed_in, referral):
    case_id, rid = referral("sent")
    cr = signed_in("case", "CR")
    for path in (f"/referrals/{rid}", f"/referrals/new/{case_id}", "/referrals/?box=outbox", "/notifications",
                 f"/cases/{case_id}", "/"):
        r = cr.get(path)
        assert r.status_code == 200, path
        assert "script-src 'self'" in r.headers["Content-Security-Policy"] and "unsafe-inline" not in r.headers["Content-Security-Policy"]
        assert not INLINE_SCRIPT.search(r.get_data(as_text=True)), path


XSS = '"><script>alert(1)</script><img src=x onerror=alert(1)>'


def test_thread_guardian_legal_ground_and_reasons_are_escaped(api, make_case, signed_in):
    case_id = make_case(full_name=f"Nang{XSS}")
    cr, tl = api("case", "CR"), api("case", "TL")
    rid = cr.post("/api/v1/referrals", json=body(
        case_id, message=f"m{XSS}", legal_ground=f"lg{XSS}",
        consent={"given": True, "method": "written", "guardian": f"g{XSS}"})).json["id"]
    cr.post(f"/api/v1/referrals/{rid}/send")
    tl.post(f"/api/v1/referrals/{rid}/acknowledge")
    assert tl.post(f"/api/v1/referrals/{rid}/messages", json={"body": f"t{XSS}", "language": "my"}).status_code == 201
    assert attach(tl, rid, name=f"{XSS}.txt").status_code == 201
    assert tl.post(f"/api/v1/referrals/{rid}/decline", json={"reason": f"d{XSS}"}).status_code == 200
    for role, centre in (("case", "CR"), ("case", "TL")):
        page = signed_in(role, centre).get(f"/referrals/{rid}").get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(1)" in page  # it is there, escaped
    page = signed_in("case", "CR").get(f"/referrals/new/{case_id}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page


# ---- no personal data in URLs, notices, e-mails, audit details, logs

def test_no_personal_data_in_urls_notices_mails_audit_or_logs(api, make_case, demo, signed_in, caplog, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, *a, **kw):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, msg):
            sent.append(f"{msg['Subject']}\n{msg.get_content()}")

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    demo.config.update(MAIL_SERVER="mail.example.org", MAIL_PORT=2525)
    caplog.set_level("DEBUG")
    case_id = make_case()
    sup, tl = api("supervisor", "CR"), api("case", "TL")
    rid = sup.post("/api/v1/referrals", json=body(
        case_id, shared_fields=["full_name", "latin_name", "id_documents", "home_address", "health"], message=MESSAGE,
        consent={"given": False, "override_reason": OVERRIDE})).json["id"]
    sup.post(f"/api/v1/referrals/{rid}/send")
    tl.post(f"/api/v1/referrals/{rid}/acknowledge")
    tl.post(f"/api/v1/referrals/{rid}/messages", json={"body": MESSAGE})
    attach(tl, rid, name=f"{CANARY_LATIN}.txt")
    tl.post(f"/api/v1/referrals/{rid}/decline", json={"reason": DECLINE})
    # the pages' links and redirects
    cr = signed_in("case", "CR")
    r = cr.post_form(f"/referrals/new/{case_id}", {
        "to_centre": "TL", "purpose": "service", "shared_fields": ["full_name"], "consent_given": "yes",
        "guardian": GUARDIAN, "legal_ground": "Consent", "message": MESSAGE})
    assert r.status_code == 302
    hrefs = " ".join(re.findall(r'(?:href|action|src)="([^"]*)"', cr.get(r.location).get_data(as_text=True)))
    secrets = (CANARY_MY, CANARY_LATIN, CANARY_ID, GUARDIAN, OVERRIDE, DECLINE, MESSAGE, HEALTH_CANARY, "Wan Kat")
    with demo.app_context(), session_scope() as s:
        details = " ".join(s.execute(select(AuditRecord.details)).scalars())
        notices = " ".join(n.kind + n.reference for n in s.execute(select(Notification)).scalars())
    assert sent
    for secret in secrets:
        assert secret not in r.location + hrefs
        assert secret not in details, secret
        assert secret not in notices
        assert secret not in " ".join(sent)
        assert secret not in caplog.text


# ---- races

def _in_threads(demo, jobs):
    """Run callables (each in its own request context and unit of work) at the same time."""
    results = [None] * len(jobs)

    def run(i, job):
        try:
            with demo.test_request_context(), session_scope() as s:
                results[i] = job(s)
        except Exception as exc:  # noqa: BLE001 - the test looks at what each one got
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_accept_and_decline_one_wins_the_other_is_a_conflict(demo, referral, monkeypatch):
    _c, rid = referral("acknowledged")
    barrier = threading.Barrier(2, timeout=10)
    real_save = services._common._save

    def save_together(session, r):
        barrier.wait()  # both have read the referral in state `acknowledged`
        return real_save(session, r)

    monkeypatch.setattr(services.transitions, "_save", save_together)
    results = _in_threads(demo, [
        lambda s: services.perform(s, principal(s, "case", "TL"), rid, "accept").state,
        lambda s: services.perform(s, principal(s, "case", "TL"), rid, "decline", {"reason": "No capacity"}).state,
    ])
    # a plain Conflict (the version check), not a StateConflict: the two really raced
    outcomes = sorted("conflict" if type(x) is Conflict else x for x in results)
    assert outcomes in (["accepted", "conflict"], ["conflict", "declined"]), results
    final = state_of(demo, rid)
    assert final in ("accepted", "declined") and final in outcomes
    assert audits(demo, "referral.accept") + audits(demo, "referral.decline") == 1


def test_concurrent_withdraw_and_message_lose_nothing(demo, referral, monkeypatch):
    """A message racing a withdrawal is refused (conflict), never stored next to a shredded key."""
    _c, rid = referral("sent")
    barrier = threading.Barrier(2, timeout=10)
    real_save = services._common._save

    def save_together(session, r):
        barrier.wait()  # both have checked the state
        return real_save(session, r)

    monkeypatch.setattr(services.transitions, "_save", save_together)
    monkeypatch.setattr(services.thread, "_save", save_together)
    results = _in_threads(demo, [
        lambda s: services.perform(s, principal(s, "case", "CR"), rid, "withdraw").state,
        lambda s: services.add_message(s, principal(s, "case", "TL"), rid, "found them", "en").id,
    ])
    assert any(isinstance(x, Conflict) for x in results), results
    with demo.app_context(), session_scope() as s:
        r = s.get(Referral, rid)
        bodies = s.execute(select(ReferralMessage.body).where(ReferralMessage.referral_id == rid)).scalars().all()
        if r.state == "withdrawn":
            assert all(b is None for b in bodies)


def test_concurrent_creation_gets_distinct_references(demo, make_case, monkeypatch):
    case_id = make_case()
    barrier = threading.Barrier(3, timeout=10)
    real_next = services._common._next_reference

    def next_together(session, sender, receiver):
        barrier.wait()  # all three have validated their input
        return real_next(session, sender, receiver)

    monkeypatch.setattr(services.creating, "_next_reference", next_together)
    results = _in_threads(demo, [
        (lambda s: services.create_referral(s, principal(s, "case", "CR"), body(case_id)).reference) for _ in range(3)])
    assert all(isinstance(x, str) for x in results), results
    assert len(set(results)) == 3
