"""What staff missed on day one (issue 16): a draft shows the identification as it stands, the
receiver reads the coded legal ground and how consent was given, each side is told the next step,
sending asks for a look at what crosses, and only a supervisor sees the "without consent" box."""
from border_referral.database import session_scope
from border_referral.referrals import services
from border_referral.screening import services as screening
from tests.conftest import principal, translated
from tests.referrals.conftest import body, to_state
from tests.screening.conftest import INTERVIEW

MEMBERS = [{"name": "Pol. Lt. Somchai", "agency": "police", "role": "inquiry official"},
           {"name": "Khun Malee", "agency": "social_development", "role": "PSDHS case worker"}]


def _identify_as_victim(demo, case_id):
    with demo.test_request_context(), session_scope() as s:
        actor = principal(s, "case", "CR")
        sc = screening.create_screening(s, actor, case_id, {"source": "police"})
        sc = screening.record_interview(s, actor, sc.id, INTERVIEW, sc.version)
        screening.decide(s, actor, sc.id, {"outcome": "victim", "reasons": "All elements", "members": MEMBERS})


def test_a_draft_shows_the_identification_decided_since(demo, make_case, db):
    case_id = make_case(date_of_birth="2010-01-01")  # a child: the means are not needed
    with db() as s:
        r = services.create_referral(s, principal(s, "case", "CR"), body(case_id))
        rid = r.id
    with db() as s:
        assert services.read_referral(s, principal(s, "case", "CR"), rid).identification is None
    _identify_as_victim(demo, case_id)
    with db() as s:
        view = services.read_referral(s, principal(s, "case", "CR"), rid)
        assert view.referral.identification_status is None and view.identification == "victim"
        to_state(s, rid, "sent")
    with db() as s:  # what was sent is what the partner reads
        assert services.read_referral(s, principal(s, "case", "TL"), rid).identification == "victim"


def test_the_coded_ground_reaches_the_receiver_the_written_words_do_not(referral, signed_in, api, demo):
    _c, rid = referral("sent", legal_ground_code="mou", legal_ground="MOU; the mother Zqxj-ground-words agreed")
    page = signed_in("case", "TL").get(f"/referrals/{rid}").get_data(as_text=True)
    ground = page[page.index('data-testid="legal-ground"'):]
    ground = ground[:ground.index("</dd>")]
    assert "PDPA s.29" in ground  # the citation of Thailand's ground, in Tachileik's page
    assert "Zqxj-ground-words" not in page
    assert "Zqxj-ground-words" not in repr(api("case", "TL").get(f"/api/v1/referrals/{rid}").json)
    consent = page[page.index('data-testid="consent"'):]
    assert translated(demo, "my", "Written") in consent[:consent.index("</dd>")]


def test_a_ground_not_in_the_senders_law_is_refused(api, make_case):
    case_id = make_case()
    r = api("case", "CR").post("/api/v1/referrals", json=body(case_id, legal_ground_code="article-99"))
    assert r.status_code == 422 and r.json["error"]["field"] == "legal_ground_code"


def test_each_side_is_told_the_next_step(referral, signed_in, demo):
    _c, rid = referral("accepted")
    tl = signed_in("case", "TL").get(f"/referrals/{rid}").get_data(as_text=True)
    step = tl[tl.index('data-testid="next-step"'):]
    step = step[:step.index("</section>")]
    assert 'data-action=' not in step  # no button is the receiver's now
    expected = translated(demo, "my", "You accepted it: do what was asked, and tell %(centre)s in a message how it went. "
                                      "%(centre)s then marks it completed.", centre="CENTRE")
    assert expected.split("CENTRE")[0] in step
    cr = signed_in("case", "CR").get(f"/referrals/{rid}").get_data(as_text=True)
    assert 'data-action="complete"' in cr


def test_sending_from_the_page_needs_the_confirmation(referral, signed_in, demo):
    _c, rid = referral("draft")
    cr = signed_in("case", "CR")
    url = f"/referrals/{rid}"
    page = cr.get(url).get_data(as_text=True)
    box = page[page.index('data-testid="confirm-send"'):]
    assert translated(demo, "th", "Full name (native script)") in box[:box.index("</div>")]  # what crosses, listed beside the box
    assert cr.post_form(f"{url}/action/send", {}, page=url).status_code == 422
    with demo.app_context(), session_scope() as s:
        assert services.read_referral(s, principal(s, "case", "CR"), rid).referral.state == "draft"
    assert cr.post_form(f"{url}/action/send", {"confirm": "y"}, page=url).status_code == 302


def test_only_a_supervisor_sees_the_without_consent_box(signed_in, make_case):
    case_id = make_case()
    assert 'name="override_reason"' not in signed_in("case", "CR").get(f"/referrals/new/{case_id}").get_data(as_text=True)
    assert 'name="override_reason"' in signed_in("supervisor", "CR").get(f"/referrals/new/{case_id}").get_data(as_text=True)
