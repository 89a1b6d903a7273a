"""Issue 14, separation of duties: an administrator only asks for a role that reads case data; a second
pair of eyes (another administrator of the centre, or a network administrator) grants it."""
import pytest
from sqlalchemy import select

from border_referral.audit.models import AuditRecord
from border_referral.auth import grants, services
from border_referral.auth.models import RoleGrant
from border_referral.errors import Conflict, NotFound, PermissionDenied
from tests.conftest import Browser, principal

pytestmark = pytest.mark.usefixtures("demo")

PASSWORD = "a long enough passphrase 2026"


def _second_admin(s, centre="CR"):
    """A centre's second administrator, made on the command line (as an operator would)."""
    user = services.create_user(s, None, email=f"admin2.{centre.lower()}@example.org", password=PASSWORD,
                                centre_code=centre, roles=["admin"])
    return services.principal_for(s, user)


def test_fixed_an_admin_cannot_make_a_second_account_that_reads_cases(app, api):
    """Attack review: the administrator made an account with the case-worker role and read every
    case with it. Now the account has no such role until someone else approves."""
    from border_referral.database import session_scope

    r = api("case", "CR").post("/api/v1/cases", json={"person": {"full_name": "Canary Grant", "sex": "female",
                                                                 "nationality": "MM"}})
    assert r.status_code == 201, r.json
    cid = r.json["id"]
    with app.test_request_context(), session_scope() as s:
        admin = principal(s, "admin", "CR")
        user = services.create_user(s, admin, email="alter.ego@example.org", password=PASSWORD, centre_code="CR",
                                    roles=["caseworker", "secretariat"])
        assert services.roles_of(s, user.id) == {"secretariat"}
        [grant] = grants.pending_of_user(s, user.id)
        assert grant.role_list == ["caseworker"] and grant.requested_by_id == admin.id
        with pytest.raises(PermissionDenied):  # not by the one who asked
            grants.decide(s, admin, grant.id, approve=True)
        token = services.create_token(s, None, user.id, "script")[1]
    r = app.test_client().get(f"/api/v1/cases/{cid}", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code in (403, 404) and "Canary" not in r.get_data(as_text=True)


def test_a_second_admin_approves_and_the_role_applies(db):
    with db() as s:
        admin = principal(s, "admin", "CR")
        second = _second_admin(s)
        viewer = services.user_by_email(s, "viewer.cr@demo.border-referral.org")
        services.update_user(s, admin, viewer.id, roles=["viewer", "caseworker"], active=True, version=viewer.version)
        assert services.roles_of(s, viewer.id) == {"viewer"}
        assert [g.user_id for g in grants.pending_for(s, second)] == [viewer.id]
        assert grants.pending_for(s, admin) == []  # nothing for the one who asked
        [grant] = grants.pending_of_user(s, viewer.id)
        grants.decide(s, second, grant.id, approve=True)
        assert services.roles_of(s, viewer.id) == {"viewer", "caseworker"}
        with pytest.raises(Conflict):
            grants.decide(s, second, grant.id, approve=False)  # answered already
        actions = s.execute(select(AuditRecord.action).where(AuditRecord.action.like("role_grant.%"))).scalars().all()
        assert sorted(actions) == ["role_grant.approve", "role_grant.request"]


def test_a_refusal_grants_nothing_and_a_network_admin_may_be_the_second_pair_of_eyes(db):
    with db() as s:
        admin = principal(s, "admin", "TL")
        secretariat = services.user_by_email(s, "secretariat.tl@demo.border-referral.org")
        services.update_user(s, admin, secretariat.id, roles=["secretariat", "mdt"], active=True, version=None)
        [grant] = grants.pending_of_user(s, secretariat.id)
        with pytest.raises(NotFound):  # another centre's administrator does not see it
            grants.decide(s, principal(s, "admin", "CR"), grant.id, approve=True)
        grants.decide(s, principal(s, "network", "CR"), grant.id, approve=False)
        assert services.roles_of(s, secretariat.id) == {"secretariat"}
        assert s.get(RoleGrant, grant.id).state == "refused"


def test_taking_a_data_role_away_applies_at_once(db):
    with db() as s:
        admin = principal(s, "admin", "CR")
        case = services.user_by_email(s, "case.cr@demo.border-referral.org")
        services.update_user(s, admin, case.id, roles=["secretariat"], active=True, version=None)
        assert services.roles_of(s, case.id) == {"secretariat"}
        assert grants.pending_of_user(s, case.id) == []


def test_the_command_line_grants_directly(db):
    with db() as s:
        user = services.create_user(s, None, email="ops.made@example.org", password=PASSWORD, centre_code="CR",
                                    roles=["caseworker"])
        assert services.roles_of(s, user.id) == {"caseworker"}


def test_the_users_page_lists_requests_for_the_second_admin(app, signed_in):
    from border_referral.database import session_scope

    with app.test_request_context(), session_scope() as s:
        _second_admin(s)
    admin = signed_in("admin", "CR")
    resp = admin.post_form("/admin/users", {"email": "new.worker@example.org", "display_name": "New Worker",
                                            "password": PASSWORD, "roles": ["caseworker"], "locale": "en"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    page = admin.get("/admin/users").get_data(as_text=True)
    assert 'data-testid="role-grants"' in page and "/approve" not in page  # the asker cannot answer
    other = Browser(app.test_client())
    other.sign_in("admin2.cr@example.org", PASSWORD)
    page = other.get("/admin/users").get_data(as_text=True)
    assert "new.worker@example.org" in page and "/approve" in page
    with app.test_request_context(), session_scope() as s:
        [grant] = grants.pending_for(s, services.principal_for(s, services.user_by_email(s, "admin2.cr@example.org")))
        gid = grant.id
    assert other.client.post(f"/admin/role-grants/{gid}/approve").status_code == 400  # no CSRF token
    assert other.post_form(f"/admin/role-grants/{gid}/approve", {}, page="/admin/users").status_code == 302
    with app.test_request_context(), session_scope() as s:
        uid = services.user_by_email(s, "new.worker@example.org").id
        assert services.roles_of(s, uid) == {"caseworker"}
