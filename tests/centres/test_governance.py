"""Network governance: only a network administrator changes reference data directly; a centre's
administrator proposes a change of a partnership, which takes effect when every centre concerned
has approved it; crossings belong to a border."""
import pytest
from sqlalchemy import select

from border_referral.audit.models import AuditRecord
from border_referral.auth import services as auth_services
from border_referral.centres import proposals, services
from border_referral.centres.models import Centre, CrossingPoint, Partnership
from border_referral.errors import NotFound, PermissionDenied
from border_referral.repatriation.services._common import _crossing, shared_crossings
from tests.conftest import principal

pytestmark = pytest.mark.usefixtures("demo")

NAMES = {"name_th": "ระนอง", "name_my": "ရနောင်း", "name_lo": "ລະນອງ", "name_en": "Ranong"}


def _partners(s, centre):
    return sorted(c.code for c in services.partners_of(s, services.by_code(s, Centre, centre).id))


def _members(s, code):
    return [c.code for c in services.members(s, services.by_code(s, Partnership, code).id)]


def test_a_centre_admin_cannot_change_a_partnership_directly(db):
    with db() as s:
        for role in ("admin", "secretariat"):
            with pytest.raises(PermissionDenied):
                services.save_partnership(s, principal(s, role, "CR"), "MS-MW",
                                          {**NAMES, "members": ["MS", "MW", "CR"]}, version=1)
            with pytest.raises(PermissionDenied):
                services.save_centre(s, principal(s, role, "CR"), "MS",
                                     {**NAMES, "country_code": "TH", "timezone": "Asia/Bangkok", "active": False})
        assert _members(s, "MS-MW") == ["MS", "MW"]


def test_the_attack_of_the_issue_is_refused(signed_in, api):
    cr = signed_in("admin", "CR")
    assert cr.get("/admin/partnerships/MS-MW").status_code == 403
    resp = cr.post_form("/admin/partnerships/MS-MW", {**NAMES, "members": ["MS", "MW", "CR"], "active": "y",
                                                      "version": "1"}, page="/admin/reference")
    assert resp.status_code == 403
    resp = cr.post_form("/admin/centres/MS", {**NAMES, "country_code": "TH", "timezone": "Asia/Bangkok",
                                              "version": "1"}, page="/admin/reference")
    assert resp.status_code == 403
    # the reference page is still readable, without edit links
    page = cr.get("/admin/reference").get_data(as_text=True)
    assert "MS-MW" in page and "/admin/partnerships/MS-MW" not in page
    # nor through a proposal: Chiang Rai is not a member of MS-MW
    assert api("admin", "CR").post("/api/v1/partnerships/MS-MW/proposals",
                                   json={"members": ["MS", "MW", "CR"]}).status_code == 403
    # so Chiang Rai's secretariat sees nothing of MS-MW, its case workers cannot refer to Myawaddy
    sec = api("secretariat", "CR")
    assert sec.post("/api/v1/meetings", json={"partnership": "MS-MW", "starts_at": "2026-12-10T09:00:00+07:00",
                                              "venue": "Mae Sot"}).status_code in (403, 404, 422)
    assert all(m["partnership"] != "MS-MW" for m in sec.get("/api/v1/meetings").get_json()["items"])
    centres = api("case", "CR").get("/api/v1/centres").get_json()["items"]
    assert [c["code"] for c in centres if c["partner"]] == ["HX", "TL"]


def test_network_admin_changes_reference_data_directly(db):
    with db() as s:
        net = principal(s, "network", "CR")
        services.save_centre(s, net, "MS", {**NAMES, "country_code": "TH", "timezone": "Asia/Bangkok",
                                            "crossings": ["MST-MWD"], "active": False}, version=1)
        services.save_crossing(s, net, None, {**NAMES, "code": "RNG-KTX", "country_a": "MM", "country_b": "TH"})
        assert not services.by_code(s, Centre, "MS").active
        x = services.by_code(s, CrossingPoint, "RNG-KTX")
        assert (x.country_a, x.country_b) == ("MM", "TH")


def test_a_network_admin_adding_a_member_waits_for_every_centre_concerned(db):
    """Not even the network's secretariat adds a centre to a partnership on its own: the edit of the
    members becomes a proposal that CK, HX and TL must approve; names change at once."""
    with db() as s:
        net = principal(s, "network", "CR")
        p = proposals.save_partnership(s, net, "CK-HX", {**NAMES, "members": ["CK", "HX", "TL"]}, version=1)
        assert p.state == "pending" and proposals.answers(s, p) == {}
        assert _members(s, "CK-HX") == ["CK", "HX"]
        assert services.by_code(s, Partnership, "CK-HX").name_en == "Ranong"
    with db() as s:
        for centre in ("CK", "HX"):
            proposals.decide(s, principal(s, "admin", centre), p.id, "approved")
        assert _members(s, "CK-HX") == ["CK", "HX"]
        proposals.decide(s, principal(s, "admin", "TL"), p.id, "approved")
        assert _members(s, "CK-HX") == ["CK", "HX", "TL"]


def test_a_new_partnership_starts_without_members_until_its_centres_approve(db):
    with db() as s:
        net = principal(s, "network", "CR")
        p = proposals.save_partnership(s, net, None, {**NAMES, "code": "MS-TL", "members": ["MS", "TL"]})
        assert p.state == "pending" and _members(s, "MS-TL") == []
        assert "TL" not in _partners(s, "MS")
        proposals.decide(s, principal(s, "admin", "MS"), p.id, "approved")
        proposals.decide(s, principal(s, "admin", "TL"), p.id, "approved")
        assert "TL" in _partners(s, "MS")


def test_the_network_admin_page_for_members_makes_a_proposal(app, signed_in):
    from border_referral.database import session_scope

    resp = signed_in("network", "CR").post_form(
        "/admin/partnerships/CK-HX", {**NAMES, "code": "CK-HX", "members": ["CK", "HX", "MW"], "active": "y",
                                      "version": "1"}, page="/admin/partnerships/CK-HX")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with app.test_request_context(), session_scope() as s:
        assert _members(s, "CK-HX") == ["CK", "HX"]
        assert [p.state for p in proposals.for_actor(s, principal(s, "admin", "MW"), "pending")] == ["pending"]


def test_network_admin_pages(signed_in):
    resp = signed_in("network", "CR").post_form(
        "/admin/crossings/CKG-HXY", {**NAMES, "country_a": "TH", "country_b": "LA", "active": "y", "version": "1"})
    assert resp.status_code == 302, resp.get_data(as_text=True)


def test_a_proposal_approved_by_every_centre_takes_effect(api):
    ck = api("admin", "CK")
    r = ck.post("/api/v1/partnerships/CK-HX/proposals", json={"members": ["CK", "HX", "TL"]})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    pid = body["id"]
    assert body["state"] == "pending" and body["answers"] == {"CK": "approved"}
    # not yet: nothing changes until every centre concerned has approved
    assert "CK" not in [c["code"] for c in api("case", "TL").get("/api/v1/centres").get_json()["items"]
                        if c["partner"]]
    # an administrator of a centre not concerned: not found; a non-administrator of one: refused
    assert api("admin", "MS").post(f"/api/v1/partnership-proposals/{pid}/approve").status_code in (403, 404)
    assert api("admin", "MS").get(f"/api/v1/partnership-proposals/{pid}").status_code == 404
    assert pid not in [p["id"] for p in api("admin", "MS").get("/api/v1/partnership-proposals").get_json()["items"]]
    assert api("case", "HX").post(f"/api/v1/partnership-proposals/{pid}/approve").status_code in (403, 404)
    assert pid in [p["id"] for p in api("admin", "TL").get("/api/v1/partnership-proposals").get_json()["items"]]
    assert api("admin", "HX").post(f"/api/v1/partnership-proposals/{pid}/approve").get_json()["state"] == "pending"
    r = api("admin", "TL").post(f"/api/v1/partnership-proposals/{pid}/approve")
    assert r.status_code == 200 and r.get_json()["state"] == "applied"
    assert "CK" in [c["code"] for c in api("case", "TL").get("/api/v1/centres").get_json()["items"] if c["partner"]]
    assert api("admin", "TL").post(f"/api/v1/partnership-proposals/{pid}/reject").status_code == 409


def test_one_refusal_stops_a_proposal(db, api):
    r = api("admin", "CR").post("/api/v1/partnerships/CR-TL/proposals", json={"members": ["CR", "TL", "MW"]})
    pid = r.get_json()["id"]
    assert r.status_code == 201 and r.get_json()["state"] == "pending"
    assert api("admin", "CR").post("/api/v1/partnerships/CR-TL/proposals",
                                   json={"members": ["CR", "TL", "HX"]}).status_code == 409
    r = api("admin", "MW").post(f"/api/v1/partnership-proposals/{pid}/reject")
    assert r.status_code == 200 and r.get_json()["state"] == "rejected"
    assert api("admin", "TL").post(f"/api/v1/partnership-proposals/{pid}/approve").status_code == 409
    with db() as s:
        assert _members(s, "CR-TL") == ["CR", "TL"]
        actions = s.execute(select(AuditRecord.action).where(AuditRecord.action.like("partnership_proposal.%"))
                            ).scalars().all()
        assert sorted(set(actions)) == ["partnership_proposal.approve", "partnership_proposal.create",
                                        "partnership_proposal.reject"]


def test_taking_a_centre_out_takes_effect_at_once(db, api):
    r = api("admin", "CR").post("/api/v1/partnerships/CR-TL-HX/proposals", json={"members": ["CR", "TL"]})
    assert r.status_code == 201 and r.get_json()["state"] == "applied"
    with db() as s:
        assert _members(s, "CR-TL-HX") == ["CR", "TL"]
        assert _partners(s, "HX") == ["CK"]


def test_proposals_by_service_and_bad_input(db):
    with db() as s:
        with pytest.raises(PermissionDenied):
            proposals.propose(s, principal(s, "admin", "MS"), "CR-TL", {"members": ["CR", "TL", "HX"]})
        with pytest.raises(PermissionDenied):
            proposals.propose(s, principal(s, "secretariat", "CR"), "CR-TL", {"members": ["CR", "TL", "HX"]})
        with pytest.raises(NotFound):
            proposals.get(s, principal(s, "admin", "CR"), "not-an-id")
        for bad in (["CR"], ["CR", "TL"], "CR,TL", ["CR", "ZZ"]):
            with pytest.raises(Exception) as err:
                proposals.propose(s, principal(s, "admin", "CR"), "CR-TL", {"members": bad})
            assert getattr(err.value, "status", None) == 422
        # a network administrator proposes too (and approves for no centre)
        p = proposals.propose(s, principal(s, "network", "CR"), "MS-MW", {"members": ["MS", "MW", "CK"]})
        assert p.state == "pending" and proposals.answers(s, p) == {}


def test_the_reference_page_lists_pending_proposals_with_answer_buttons(demo, api, signed_in):
    pid = api("admin", "CK").post("/api/v1/partnerships/CK-HX/proposals",
                                  json={"members": ["CK", "HX", "TL"]}).get_json()["id"]
    hx = signed_in("admin", "HX")
    page = hx.get("/admin/reference").get_data(as_text=True)
    assert f"/admin/partnership-proposals/{pid}/approve" in page
    assert f"/admin/partnership-proposals/{pid}/approve" not in signed_in("admin", "CK").get(
        "/admin/reference").get_data(as_text=True)  # already approved by its proposer
    assert hx.client.post(f"/admin/partnership-proposals/{pid}/approve").status_code == 400  # no CSRF token
    resp = hx.post_form(f"/admin/partnership-proposals/{pid}/approve", {}, page="/admin/reference")
    assert resp.status_code == 302
    resp = signed_in("admin", "TL").post_form(f"/admin/partnership-proposals/{pid}/reject", {}, page="/admin/reference")
    assert resp.status_code == 302
    assert signed_in("admin", "MS").post_form(f"/admin/partnership-proposals/{pid}/approve", {},
                                              page="/admin/reference").status_code == 404


def test_only_a_network_admin_grants_the_network_role(db):
    with db() as s:
        with pytest.raises(PermissionDenied):
            auth_services.create_user(s, principal(s, "admin", "CR"), email="n2@example.org",
                                      password="a long enough passphrase 2026", centre_code="CR",
                                      roles=["network_admin"])
        viewer = auth_services.user_by_email(s, "viewer.cr@demo.border-referral.org")
        with pytest.raises(PermissionDenied):
            auth_services.update_user(s, principal(s, "admin", "CR"), viewer.id, roles=["viewer", "network_admin"],
                                      active=True, version=None)
        net = auth_services.user_by_email(s, "network.cr@demo.border-referral.org")
        # the network's account is not the centre administrator's to manage
        with pytest.raises(NotFound):
            auth_services.update_user(s, principal(s, "admin", "CR"), net.id, roles=["viewer"], active=False,
                                      version=None)
        assert net.email not in {u.email for u, _r in auth_services.list_users(s, principal(s, "admin", "CR"))}
        user = auth_services.create_user(s, None, email="n3@example.org", password="a long enough passphrase 2026",
                                         centre_code="CR", roles=["network_admin"])
        assert auth_services.roles_of(s, user.id) == {"network_admin"}


def test_crossings_belong_to_a_border(db):
    with db() as s:
        ids = {c: services.by_code(s, Centre, c).id for c in ("CR", "HX", "TL", "CK")}
        assert [x.code for x in shared_crossings(s, ids["CR"], ids["HX"])] == ["CKG-HXY"]
        assert [x.code for x in shared_crossings(s, ids["CR"], ids["TL"])] == ["MSI-TCL"]
        assert [x.code for x in shared_crossings(s, ids["CK"], ids["HX"])] == ["CKG-HXY"]
        assert _crossing(s, (ids["CR"], ids["HX"]), "CKG-HXY") == "CKG-HXY"
        borders = {x.code: (x.country_a, x.country_b) for x in services.crossings(s)}
        assert borders == {"MSI-TCL": ("TH", "MM"), "MST-MWD": ("TH", "MM"), "CKG-HXY": ("TH", "LA"),
                           "RNG-KTG": ("TH", "MM")}


def test_seeding_again_changes_nothing(db):
    from border_referral.demo import seed

    with db() as s:
        assert not any(seed(s).values())


def test_fixed_two_last_approvals_at_the_same_moment_never_leave_a_proposal_stuck(app, api):
    """Security review: both final approvals saw only their own, neither applied the change, and the
    partnership could never get another proposal. Now the second is a conflict, and repeated it applies."""
    from border_referral.database import session_scope
    from border_referral.errors import Conflict

    pid = api("admin", "CK").post("/api/v1/partnerships/CK-HX/proposals", json={"members": ["CK", "HX", "TL"]}).get_json()["id"]
    with app.test_request_context():
        with session_scope() as first:  # HX's answer, read before TL's was saved ...
            hx = principal(first, "admin", "HX")
            seen = proposals.get(first, hx, pid)  # kept, as a request keeps what it read
            with session_scope() as second:  # ... TL answers and commits meanwhile
                proposals.decide(second, principal(second, "admin", "TL"), pid, "approved")
            with pytest.raises(Conflict):
                proposals.decide(first, hx, pid, "approved")
            first.rollback()
            del seen
    again = api("admin", "HX").post(f"/api/v1/partnership-proposals/{pid}/approve")
    assert again.status_code == 200 and again.get_json()["state"] == "applied"


def test_fixed_two_proposals_at_the_same_moment_leave_one(app):
    from border_referral.database import session_scope
    from border_referral.errors import Conflict

    with app.test_request_context():
        with session_scope() as first:
            ck = principal(first, "admin", "CK")
            seen = services.by_code(first, Partnership, "CK-HX")  # read before the other proposal
            with session_scope() as second:
                proposals.propose(second, principal(second, "admin", "HX"), "CK-HX", {"members": ["CK", "HX", "TL"]})
            with pytest.raises(Conflict):
                proposals.propose(first, ck, "CK-HX", {"members": ["CK", "HX", "MW"]})
            first.rollback()
            del seen


def test_fixed_a_centre_needs_a_country_with_a_jurisdiction_profile(db):
    from border_referral.centres.models import Country
    from border_referral.errors import ValidationError

    with db() as s:
        s.add(Country(code="KH", name_th="กัมพูชา", name_my="ကမ္ဘောဒီးယား", name_lo="ກຳປູເຈຍ", name_en="Cambodia"))
    with db() as s:
        with pytest.raises(ValidationError) as err:
            services.save_centre(s, principal(s, "network", "CR"), None,
                                 {"code": "PP", "country_code": "KH", "timezone": "Asia/Phnom_Penh", **NAMES})
        assert err.value.field == "country_code"


def test_fixed_guessing_the_password_to_make_a_token_is_counted_and_recorded(db):
    from border_referral.errors import Throttled, ValidationError

    with db() as s:
        me = principal(s, "case", "CR")
        for _ in range(5):
            with pytest.raises(ValidationError):
                auth_services.create_token(s, me, me.id, "x", password="guess")
        with pytest.raises(Throttled):  # even the right password now waits
            auth_services.create_token(s, me, me.id, "x", password="border-demo-2026")
        assert s.execute(select(AuditRecord).where(AuditRecord.action == "token.create_denied")).scalars().all()


def test_fixed_nul_in_the_proposal_filter_is_a_500(api):
    """Found by schemathesis on PostgreSQL (a NUL in a compared value is a DataError there)."""
    admin = api("admin", "CR")
    r = admin.get("/api/v1/partnership-proposals?state=pending%00")
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid"
    assert admin.get("/api/v1/partnership-proposals?state=pending").status_code == 200
