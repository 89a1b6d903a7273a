import pytest
from sqlalchemy import select

from border_referral.audit.models import AuditRecord
from border_referral.auth import services as auth_services
from border_referral.centres import proposals, services
from border_referral.centres.models import Centre
from border_referral.errors import Conflict, PermissionDenied, ValidationError
from tests.conftest import principal

pytestmark = pytest.mark.usefixtures("demo")

NAMES = {"name_th": "ระนอง", "name_my": "ရနောင်း", "name_lo": "ລະນອງ", "name_en": "Ranong"}
BORDER = {"country_a": "TH", "country_b": "MM"}


def _code(s, centre):
    return sorted(c.code for c in services.partners_of(s, services.by_code(s, Centre, centre).id))


def test_demo_partnerships(db):
    with db() as s:
        assert _code(s, "CR") == ["HX", "TL"]
        assert _code(s, "TL") == ["CR", "HX"]
        assert _code(s, "MS") == ["MW"]
        assert _code(s, "HX") == ["CK", "CR", "TL"]
        cr = services.by_code(s, Centre, "CR")
        assert [p.code for p in services.partnerships_of(s, cr.id)] == ["CR-TL", "CR-TL-HX"]
        assert services.by_code(s, Centre, "HX").timezone == "Asia/Vientiane"
        assert services.by_code(s, Centre, "TL").name("my").startswith("တာချီလိတ်")


def test_create_centre_and_partnership(db):
    with db() as s:
        admin = principal(s, "network", "CR")
        services.save_crossing(s, admin, None, {**NAMES, **BORDER, "code": "RNG-KTX"})
        services.save_centre(s, admin, None, {**NAMES, "code": "RN", "country_code": "TH", "timezone": "Asia/Bangkok",
                                              "crossings": ["RNG-KTG"]})
        services.save_centre(s, admin, None, {**NAMES, "name_en": "Kawthaung", "code": "KT", "country_code": "MM",
                                              "timezone": "Asia/Yangon", "crossings": ["RNG-KTG"]})
        proposal = proposals.save_partnership(s, admin, None, {**NAMES, "code": "RN-KT", "members": ["RN", "KT"]})
        actions = s.execute(select(AuditRecord.action).order_by(AuditRecord.seq.desc()).limit(5)).scalars().all()
        assert set(actions) == {"crossing_point.create", "centre.create", "partnership.create",
                                "partnership_proposal.create"}
        assert _code(s, "RN") == []  # until both new centres' administrators have approved
        for code in ("RN", "KT"):  # a new centre gets its administrator from the command line
            auth_services.create_user(s, None, email=f"admin.{code.lower()}@demo.border-referral.org", centre_code=code,
                                      password="a long enough passphrase 2026", roles=["admin"])
            proposals.decide(s, principal(s, "admin", code), proposal.id, "approved")
        assert _code(s, "RN") == ["KT"]


@pytest.mark.parametrize("data, field", [
    ({"code": "rn1"}, "code"),
    ({"code": "CR"}, "code"),
    ({"name_my": ""}, "name_my"),
    ({"name_lo": "x" * 201}, "name_lo"),
    ({"country_code": "VN"}, "country_code"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"crossings": ["XXX-YYY"]}, "crossings"),
])
def test_centre_bad_input(db, data, field):
    base = {**NAMES, "code": "RN", "country_code": "TH", "timezone": "Asia/Bangkok", "crossings": []}
    with db() as s:
        with pytest.raises(ValidationError) as err:
            services.save_centre(s, principal(s, "network", "CR"), None, {**base, **data})
        assert err.value.field == field


@pytest.mark.parametrize("members", [["CR"], ["CR", "MS"], ["CR", "TL", "HX", "MW"], ["CR", "ZZ"]])
def test_partnership_needs_two_or_three_centres_of_different_countries(db, members):
    with db() as s, pytest.raises(ValidationError):
        proposals.save_partnership(s, principal(s, "network", "CR"), None, {**NAMES, "code": "AA-BB", "members": members})


@pytest.mark.parametrize("role", ["secretariat", "admin"])
def test_only_network_admins_manage_reference_data(db, role):
    with db() as s, pytest.raises(PermissionDenied):
        services.save_crossing(s, principal(s, role, "CR"), None, {**NAMES, **BORDER, "code": "AAA-BBB"})


def test_stale_version_is_a_conflict(db):
    with db() as s:
        admin = principal(s, "network", "CR")
        services.save_crossing(s, admin, "MSI-TCL", {**NAMES, **BORDER}, version=1)
        with pytest.raises(Conflict):
            services.save_crossing(s, admin, "MSI-TCL", {**NAMES, **BORDER, "name_en": "Other"}, version=1)


def test_admin_pages(demo, signed_in):
    b = signed_in("network", "CR")
    assert "CKG-HXY" in b.get("/admin/reference").get_data(as_text=True)
    resp = b.post_form("/admin/crossings/MSI-TCL", {**NAMES, **BORDER, "active": "y", "version": "1"})
    assert resp.status_code == 302
    resp = b.post_form("/admin/crossings/MSI-TCL", {**NAMES, **BORDER, "name_en": "Changed", "active": "y", "version": "1"})
    assert resp.status_code == 409
    resp = b.post_form("/admin/partnerships/new", {**NAMES, "code": "CR-MS", "members": ["CR", "MS"], "active": "y"})
    assert resp.status_code == 422 and "different countries" in resp.get_data(as_text=True) or resp.status_code == 422
    assert signed_in("viewer", "HX").get("/admin/reference").status_code == 403
    assert b.get("/admin/nothing/new").status_code == 404
