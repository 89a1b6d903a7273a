"""Migration 0020 on data: referrals made before it keep everything and have no coded ground; both
sides read them (the receiver is told the ground stays with the sender); down and up again keeps
the rows."""
from sqlalchemy import text

from border_referral.database import session_scope
from border_referral.referrals import services
from tests.conftest import _downgrade, principal
from tests.referrals.conftest import body, to_state


def test_referrals_of_the_release_before_read_after_0020(old_release):
    from border_referral.cases import services as cases
    from border_referral.cli import migrate

    app, engine = old_release("0019")
    with app.test_request_context():
        migrate(app, "head")
        with session_scope() as s:  # a referral made and sent, then the schema goes back to 0019
            case = cases.create_case(s, principal(s, "case", "CR"), {"full_name": "ขวัญ", "sex": "female",
                                                                     "nationality": "MM"})
            r = services.create_referral(s, principal(s, "case", "CR"), body(case.id, shared_fields=["sex"]))
            to_state(s, r.id, "acknowledged")
            rid = r.id
        _downgrade(app, "0019")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT state FROM referral WHERE id = :i"), {"i": rid}).scalar() == "acknowledged"
        migrate(app, "head")
        with session_scope() as s:
            view = services.read_referral(s, principal(s, "case", "TL"), rid)
            assert view.referral.state == "acknowledged" and view.legal_ground is None
            assert view.package == {"sex": "female"}
            assert services.read_referral(s, principal(s, "case", "CR"), rid).consent["legal_ground"]
