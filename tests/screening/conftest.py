import pytest

from border_referral.database import session_scope
from border_referral.screening import services
from tests.cases.conftest import make_case  # noqa: F401  (a fixture)
from tests.conftest import principal

MEMBERS = [{"name": "Pol. Lt. Somchai", "agency": "police", "role": "inquiry official"},
           {"name": "Khun Malee", "agency": "social_development", "role": "PSDHS case worker"}]
INTERVIEW = {
    "interview_at": "2026-11-20T10:00", "interview_ended_at": "2026-11-20T12:15", "language": "my",
    "interview_place": "PSDHS office, Chiang Rai", "interview_consent": True,
    "interpreter": {"name": "Ma Hnin", "language": "my", "agency": "NGO"},
    "rights_informed_at": "2026-11-20T10:05", "rights_language": "my",
    "indicators": {"deception": "observed", "debt_bondage": {"value": "observed", "note": "Owed 30,000 baht to the broker"},
                   "isolation": "not_observed"},
    "acts": ["recruitment", "transport"], "means": ["deception"], "exploitation_types": ["forced_labour"],
    "narrative": "She was promised work in a restaurant and taken to a farm.",
}


@pytest.fixture
def screen(demo, make_case):
    """Factory: a case (adult unless told) with a screening; returns (case_id, screening_id)."""
    def make(centre="CR", dob="1990-03-01", interview=None, **data):
        case_id = make_case(centre=centre, date_of_birth=dob)
        with demo.test_request_context(), session_scope() as s:
            actor = principal(s, "case", centre)
            sc = services.create_screening(s, actor, case_id, {"source": "labour_inspection", **data})
            if interview is not None:
                services.record_interview(s, actor, sc.id, {**INTERVIEW, **interview}, sc.version)
            return case_id, sc.id
    return make
