import pytest

from border_referral.database import session_scope
from border_referral.referrals import services
from tests.cases.conftest import make_case  # noqa: F401  (a fixture)
from tests.conftest import principal

# Canaries in fields that are NOT shared: they must never reach the partner.
UNSHARED_CANARY = "Zqxj-narrative-canary"
HEALTH_CANARY = "Zqxj-health-canary"
PATHS = {
    "draft": [], "sent": ["send"], "acknowledged": ["send", "acknowledge"],
    "accepted": ["send", "acknowledge", "accept"], "declined": ["send", "acknowledge", "decline"],
    "completed": ["send", "acknowledge", "accept", "complete"], "withdrawn": ["withdraw"],
}
SIDE_OF = {"send": "CR", "acknowledge": "TL", "accept": "TL", "decline": "TL", "complete": "CR", "withdraw": "CR"}


def body(case_id, **over):
    data = {"case_id": case_id, "to_centre": "TL", "purpose": "family_tracing",
            "shared_fields": ["full_name", "sex", "nationality", "home_address"],
            "consent": {"given": True, "method": "written", "guardian": "Daw Aye (mother)"},
            "legal_ground": "Consent; Thailand-Myanmar MOU 2009", "message": "Please trace the family in Tachileik."}
    data.update(over)
    return data


def to_state(s, referral_id, state):
    for action in PATHS[state]:
        services.perform(s, principal(s, "case", SIDE_OF[action]), referral_id, action, {"reason": "No capacity"})


@pytest.fixture
def referral(demo, make_case):
    """Factory: a referral from CR to TL about a new CR case, brought to a state; returns (case_id, id)."""
    def make(state="draft", **over):
        case_id = make_case(narrative=UNSHARED_CANARY, health=HEALTH_CANARY,
                            home_address={"village": "Wan Kat", "district": "Tachileik", "province": "Shan"})
        with demo.test_request_context(), session_scope() as s:
            r = services.create_referral(s, principal(s, "case", "CR"), body(case_id, **over))
            to_state(s, r.id, state)
            return case_id, r.id
    return make
