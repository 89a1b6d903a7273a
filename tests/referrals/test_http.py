"""The referrals API (README, "API") and pages: what each side's script and screen show, 409/403/404,
bad input as JSON errors, e-mail notices without personal data, the cron commands."""
import io

import pytest

from tests.conftest import demo_email, translated
from tests.referrals.conftest import HEALTH_CANARY, UNSHARED_CANARY, body




@pytest.fixture
def case_id(api):
    r = api().post("/api/v1/cases", json={
        "person": {"full_name": "နန်းဆွေ", "sex": "female", "nationality": "MM", "date_of_birth": "1996-04-04",
                   "home_address": {"village": "Wan Kat", "province": "Shan"}},
        "narrative": UNSHARED_CANARY, "health": HEALTH_CANARY})
    assert r.status_code == 201
    return r.json["id"]


def test_contract_create_send_acknowledge_accept_complete(api, case_id):
    cr, tl = api("case", "CR"), api("case", "TL")
    r = cr.post("/api/v1/referrals", json=body(case_id))
    assert r.status_code == 201 and r.json["state"] == "draft"
    rid = r.json["id"]
    assert not isinstance(rid, int) and len(rid) >= 32
    assert tl.get(f"/api/v1/referrals/{rid}").status_code == 404  # a draft is the sender's own
    assert cr.post(f"/api/v1/referrals/{rid}/send").json["state"] == "sent"
    assert cr.post(f"/api/v1/referrals/{rid}/send").status_code == 200  # again: harmless
    got = tl.get(f"/api/v1/referrals/{rid}").json
    assert got["package"] == {"full_name": "နန်းဆွေ", "sex": "female", "nationality": "MM",
                              "home_address": {"village": "Wan Kat", "district": None, "province": "Shan"}}
    assert got["case_number"].startswith("CR-") and got["identification_status"] is None
    text = str(got)
    assert UNSHARED_CANARY not in text and HEALTH_CANARY not in text and "Daw Aye" not in text
    assert "shared_fields" not in got and "consent" not in got and "case_id" not in got
    assert tl.post(f"/api/v1/referrals/{rid}/accept").status_code == 409  # acknowledge first
    assert tl.post(f"/api/v1/referrals/{rid}/complete").status_code == 403  # the sender's action
    assert cr.post(f"/api/v1/referrals/{rid}/acknowledge").status_code == 403
    assert tl.post(f"/api/v1/referrals/{rid}/acknowledge").json["state"] == "acknowledged"
    assert tl.post(f"/api/v1/referrals/{rid}/accept").json["state"] == "accepted"
    m = tl.post(f"/api/v1/referrals/{rid}/messages", json={"body": "မိသားစုကို တွေ့ပါပြီ", "language": "my"})
    assert m.status_code == 201
    assert cr.get(f"/api/v1/referrals/{rid}").json["messages"][-1] == {
        **cr.get(f"/api/v1/referrals/{rid}").json["messages"][-1], "centre": "TL", "language": "my",
        "body": "မိသားစုကို တွေ့ပါပြီ"}
    assert cr.post(f"/api/v1/referrals/{rid}/complete").json["state"] == "completed"
    assert cr.post(f"/api/v1/referrals/{rid}/withdraw").status_code == 409
    inbox = tl.get("/api/v1/referrals", query_string={"box": "inbox"}).json["items"]
    outbox = cr.get("/api/v1/referrals", query_string={"box": "outbox"}).json["items"]
    assert [i["id"] for i in inbox] == [rid] == [i["id"] for i in outbox]
    assert cr.get("/api/v1/referrals", query_string={"box": "inbox"}).json["items"] == []


@pytest.mark.parametrize("over, status, field", [
    ({"to_centre": "MS"}, 422, None),
    ({"purpose": "gossip"}, 422, None),
    ({"shared_fields": ["password"]}, 422, None),
    ({"consent": {"given": "yes"}}, 422, None),
    ({"consent": {"given": False}}, 422, None),
    ({"consent": {"given": False, "override_reason": "Urgent"}}, 403, None),
    ({"legal_ground": ""}, 422, None),
    ({"case_id": "not-a-case"}, 404, None),
])
def test_bad_input_changes_nothing(api, case_id, over, status, field):
    cr = api("case", "CR")
    data = {**body(case_id), **over}
    r = cr.post("/api/v1/referrals", json=data)
    assert r.status_code == status and r.json["error"]["message"]
    assert cr.get("/api/v1/referrals", query_string={"box": "outbox"}).json["items"] == []


def test_other_centres_and_roles(api, case_id):
    cr = api("case", "CR")
    rid = cr.post("/api/v1/referrals", json=body(case_id)).json["id"]
    cr.post(f"/api/v1/referrals/{rid}/send")
    for role in ("case", "viewer", "admin"):
        ms = api(role, "MS")
        assert ms.get(f"/api/v1/referrals/{rid}").status_code == 404
        assert ms.post(f"/api/v1/referrals/{rid}/acknowledge").status_code == 404
    assert api("viewer", "TL").get(f"/api/v1/referrals/{rid}").status_code == 200
    assert api("viewer", "TL").post(f"/api/v1/referrals/{rid}/acknowledge").status_code == 403
    assert api("secretariat", "TL").get(f"/api/v1/referrals/{rid}").status_code == 403
    assert api("case", "TL").post(f"/api/v1/referrals/{rid}/dance").status_code == 404
    assert api("case", "TL").post(f"/api/v1/referrals/{rid}/decline", json={}).status_code == 409  # acknowledge first
    api("case", "TL").post(f"/api/v1/referrals/{rid}/acknowledge")
    assert api("case", "TL").post(f"/api/v1/referrals/{rid}/decline", json={}).status_code == 422  # no reason


def test_withdrawn_is_404_for_the_receiver(api, case_id):
    cr, tl = api("case", "CR"), api("case", "TL")
    rid = cr.post("/api/v1/referrals", json=body(case_id)).json["id"]
    cr.post(f"/api/v1/referrals/{rid}/send")
    assert tl.get(f"/api/v1/referrals/{rid}").status_code == 200
    assert cr.post(f"/api/v1/referrals/{rid}/withdraw").json["package_destroyed"] is True
    assert tl.get(f"/api/v1/referrals/{rid}").status_code == 404
    assert tl.get("/api/v1/referrals", query_string={"box": "inbox"}).json["items"] == []


def test_thread_attachment_both_sides(api, case_id):
    cr, tl = api("case", "CR"), api("case", "TL")
    rid = cr.post("/api/v1/referrals", json=body(case_id)).json["id"]
    cr.post(f"/api/v1/referrals/{rid}/send")
    r = tl.post(f"/api/v1/referrals/{rid}/attachments", content_type="multipart/form-data",
                data={"file": (io.BytesIO(b"Family found in Wan Kat village"), "report.txt")})
    assert r.status_code == 201
    att = r.json["id"]
    got = cr.get(f"/api/v1/referrals/{rid}/attachments/{att}")
    assert got.status_code == 200 and got.data == b"Family found in Wan Kat village"
    assert api("case", "MS").get(f"/api/v1/referrals/{rid}/attachments/{att}").status_code == 404


def test_openapi_has_the_referral_routes(demo):
    paths = demo.test_client().get("/api/v1/openapi.json").json["paths"]
    for p in ("/api/v1/referrals", "/api/v1/referrals/{referral_id}", "/api/v1/referrals/{referral_id}/{action}",
              "/api/v1/referrals/{referral_id}/messages"):
        assert p in paths


def test_email_notices_carry_only_the_reference_and_a_link(api, case_id, demo, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout=None):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, msg):
            sent.append(("message", msg["To"], msg["Subject"], msg.get_content()))

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    demo.config.update(MAIL_SERVER="mail.example.org", MAIL_PORT=2525, PUBLIC_URL="https://br.example.org")
    cr = api("case", "CR")
    rid = cr.post("/api/v1/referrals", json=body(case_id)).json["id"]
    ref = cr.post(f"/api/v1/referrals/{rid}/send").json["reference"]
    messages = [m for m in sent if m[0] == "message"]
    assert {m[1] for m in messages} == {demo_email("case", "TL"), demo_email("supervisor", "TL")}
    for _k, _to, subject, content in messages:
        assert ref in subject and f"https://br.example.org/referrals/{rid}" in content
        assert "နန်းဆွေ" not in content + subject and "Wan Kat" not in content
    # in the reader's language (the Tachileik staff read Burmese)
    assert translated(demo, "my", "a new referral has arrived") in messages[0][2]


def test_escalate_and_purge_commands(api, case_id, demo):
    cr = api("case", "CR")
    rid = cr.post("/api/v1/referrals", json=body(case_id)).json["id"]
    cr.post(f"/api/v1/referrals/{rid}/send")
    runner = demo.test_cli_runner()
    out = runner.invoke(args=["referrals", "escalate"])
    assert out.exit_code == 0 and "0 escalation(s)" in out.output
    demo.config["REFERRAL_ACK_HOURS"] = -1  # as if two days had passed
    from border_referral.database import session_scope
    from border_referral.referrals.models import Referral
    from datetime import timedelta
    with demo.app_context(), session_scope() as s:
        r = s.get(Referral, rid)
        r.ack_due_at = r.sent_at - timedelta(hours=1)
    out = runner.invoke(args=["referrals", "escalate"])
    assert out.exit_code == 0 and "1 escalation(s)" in out.output and "acknowledge" in out.output
    out = runner.invoke(args=["referrals", "purge"])
    assert out.exit_code == 0 and "0 package(s)" in out.output


# ---------------------------------------------------------------- pages

def test_pages_new_send_inbox_acknowledge(signed_in, case_id, demo):
    cr = signed_in("case", "CR")
    page = cr.get(f"/referrals/new/{case_id}").get_data(as_text=True)
    assert "နန်းဆွေ" in page and "Wan Kat" in page  # the form shows what would cross
    assert page.count('name="shared_fields"') > 5 and page.count("checked") >= 5  # the purpose's minimum, ticked
    r = cr.post_form(f"/referrals/new/{case_id}", {
        "to_centre": "TL", "purpose": "family_tracing", "shared_fields": ["full_name", "sex", "home_address"],
        "consent_given": "yes", "consent_method": "written", "legal_ground": "Consent", "message": "Please trace"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    url = r.location
    html = cr.get(url).get_data(as_text=True)
    assert 'data-action="send"' in html and 'data-testid="confirm-send"' in html
    refused = cr.post_form(f"{url}/action/send", {}, page=url)  # not confirmed: nothing crosses
    assert refused.status_code == 422
    assert translated(demo, "th", "Tick the box to confirm what will be shared.") in refused.get_data(as_text=True)
    assert 'data-testid="state">' + translated(demo, "th", "Draft") in cr.get(url).get_data(as_text=True)
    assert cr.post_form(f"{url}/action/send", {"confirm": "1"}, page=url).status_code == 302
    tl = signed_in("case", "TL")
    home = tl.get("/").get_data(as_text=True)
    assert 'data-testid="nav-referrals"' in home and 'class="badge"' in home
    inbox = tl.get("/referrals/?box=inbox").get_data(as_text=True)
    assert url.rsplit("/", 1)[1] in inbox
    page = tl.get(url).get_data(as_text=True)
    assert "နန်းဆွေ" in page and UNSHARED_CANARY not in page and HEALTH_CANARY not in page
    # The receiver sees how consent was given; the ground was written freely (no code): it stays
    # with the sender, and the receiver is told so.
    assert 'data-testid="consent">' in page and "Consent<" not in page
    assert translated(demo, "my", "As written by the sending centre (kept on its side)") in page
    assert tl.post_form(f"{url}/action/accept", {}, page=url).status_code == 409  # not yet acknowledged
    assert tl.post_form(f"{url}/action/acknowledge", {}, page=url).status_code == 302
    assert "Please trace" in tl.get(url).get_data(as_text=True)
    assert signed_in("case", "MS").get(url).status_code == 404
    assert demo.test_client().get(url).status_code == 302


def test_page_refuses_a_non_partner_with_a_translated_message(signed_in, case_id, demo):
    cr = signed_in("case", "CR")
    r = cr.post_form(f"/referrals/new/{case_id}", {
        "to_centre": "MS", "purpose": "family_tracing", "shared_fields": ["sex"], "consent_given": "yes",
        "legal_ground": "Consent"})
    assert r.status_code == 422
    assert translated(demo, "th", "A referral can only go to a partner centre of yours.") in r.get_data(as_text=True)


def test_group_referral_through_the_api_and_the_pages(api, signed_in):
    cr = api("case", "CR")
    ids = [cr.post("/api/v1/cases", json={"person": {"full_name": n, "sex": "female", "nationality": "MM"}}).json["id"]
           for n in ("မမြင့်", "မစန္ဒာ")]
    r = cr.post("/api/v1/referrals", json=body(ids[0], case_ids=ids[1:], purpose="repatriation",
                                               shared_fields=["full_name", "sex"]))
    assert r.status_code == 201
    rid = r.json["id"]
    cr.post(f"/api/v1/referrals/{rid}/send")
    got = api("case", "TL").get(f"/api/v1/referrals/{rid}").json
    assert [p["full_name"] for p in got["package"]["persons"]] == ["မမြင့်", "မစန္ဒာ"]
    assert len(got["group"]) == 1 and got["group"][0].startswith("CR-")
    page = signed_in("case", "TL").get(f"/referrals/{rid}").get_data(as_text=True)
    assert page.count('data-testid="group-person"') == 2 and "မစန္ဒာ" in page
    form = signed_in("case", "CR").get(f"/referrals/new/{ids[0]}").get_data(as_text=True)
    assert 'data-testid="group"' in form and 'data-testid="case-picker"' in form


def test_the_group_picker_searches_the_whole_centre_and_saves_nothing_while_searching(api, signed_in, demo):
    """More cases than a list page holds: the last one is found by its case number and by its name,
    a search keeps what was typed and ticked, and the referral is saved only by the save button."""
    from sqlalchemy import func, select

    from border_referral.database import session_scope
    from border_referral.referrals.models import Referral

    cr = api("case", "CR")
    made = [cr.post("/api/v1/cases", json={"person": {"full_name": f"Person {i:02d}", "sex": "female",
                                                       "nationality": "MM"}}).json for i in range(30)]
    first, last, other = made[0], made[-1], made[10]
    web = signed_in("case", "CR")
    url = f"/referrals/new/{first['id']}"

    def count():
        with demo.app_context(), session_scope() as s:
            return s.execute(select(func.count()).select_from(Referral)).scalar_one()

    typed = {"to_centre": "TL", "purpose": "repatriation", "shared_fields": ["full_name", "sex"],
             "consent_given": "yes", "consent_method": "verbal", "legal_ground": "Consent; MOU 2009",
             "case_ids": [other["id"]]}
    page = web.post_form(url, {**typed, "find": last["case_number"], "picker": "find"}, page=url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and count() == 0
    assert f'value="{last["id"]}"' in html and "Person 29" in html          # found by number
    assert f'value="{other["id"]}" checked' in html                           # still ticked
    assert 'value="Consent; MOU 2009"' in html                                # still typed
    by_name = web.post_form(url, {**typed, "find": "Person 29", "picker": "find"}, page=url).get_data(as_text=True)
    assert f'value="{last["id"]}"' in by_name
    none = web.post_form(url, {**typed, "find": "Nobody Here", "picker": "find"}, page=url).get_data(as_text=True)
    assert 'data-testid="picker-none"' in none and count() == 0
    saved = web.post_form(url, {**typed, "case_ids": [other["id"], last["id"]]}, page=url)
    assert saved.status_code == 302 and count() == 1
    rid = saved.headers["Location"].rsplit("/", 1)[-1]
    group = cr.get(f"/api/v1/referrals/{rid}").json["group"]
    assert sorted(group) == sorted([other["case_number"], last["case_number"]])


# ---------------------------------------------------------------- the legal ground (jurisdiction profiles)

def test_new_referral_form_has_no_prefilled_legal_ground(signed_in, case_id, demo):
    import re

    page = signed_in("case", "CR").get(f"/referrals/new/{case_id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="legal_ground"[^>]*>', page)
    assert not re.search(r'<input[^>]*name="legal_ground"[^>]*value="[^"]+"', page)
    assert not re.search(r'<option[^>]*selected[^>]*value="(consent|vital_interest|legal_duty|mou|other)"', page)
    assert not re.search(r'<option[^>]*value="(consent|vital_interest|legal_duty|mou|other)"[^>]*selected', page)
    assert translated(demo, "th", "The person's consent (PDPA s.28) and the bilateral MOU on trafficking in persons") not in page
    for code in ("consent", "vital_interest", "legal_duty", "mou", "other"):  # Thailand's PDPA grounds
        assert f'value="{code}"' in page
    assert "PDPA" not in page


def test_a_myanmar_sender_chooses_from_its_own_law(signed_in, api):
    tl_case = api("case", "TL").post("/api/v1/cases", json={"person": {"full_name": "Aye", "sex": "female",
                                                                         "nationality": "MM"}}).json["id"]
    page = signed_in("case", "TL").get(f"/referrals/new/{tl_case}").get_data(as_text=True)
    assert 'value="consent"' in page and 'value="vital_interest"' not in page and "PDPA" not in page


def test_chosen_legal_ground_is_recorded_with_its_citation(signed_in, api, case_id, demo):
    cr = signed_in("case", "CR")
    form = {"to_centre": "TL", "purpose": "family_tracing", "shared_fields": ["sex"], "consent_given": "yes",
            "consent_method": "written"}
    r = cr.post_form(f"/referrals/new/{case_id}", form)
    assert r.status_code == 422  # nothing chosen, nothing written: no ground
    r = cr.post_form(f"/referrals/new/{case_id}", {**form, "legal_ground_code": "consent",
                                                   "legal_ground": "MOU 2009"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    rid = r.location.rsplit("/", 1)[1]
    got = api("case", "CR").get(f"/api/v1/referrals/{rid}").json
    assert got["legal_ground"] == translated(demo, "th", "The person's consent") + " (PDPA s.28, s.26); MOU 2009"
    r = cr.post_form(f"/referrals/new/{case_id}", {**form, "legal_ground_code": "other", "legal_ground": "Court order"})
    assert r.status_code == 302
    assert api("case", "CR").get(f"/api/v1/referrals/{r.location.rsplit('/', 1)[1]}").json["legal_ground"] == "Court order"


def test_api_still_takes_a_free_legal_ground(api, case_id):
    r = api("case", "CR").post("/api/v1/referrals", json=body(case_id, legal_ground="Anything the sender writes"))
    assert r.status_code == 201
