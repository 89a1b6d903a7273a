from datetime import date, timedelta

import pytest

from border_referral.database import session_scope
from border_referral.repatriation import services
from tests.cases.conftest import make_case  # noqa: F401  (a fixture)
from tests.conftest import principal

SOON = (date.today() + timedelta(days=10)).isoformat()
PAIRS = {"CR": ("TL", "MSI-TCL"), "TL": ("CR", "MSI-TCL"), "CK": ("HX", "CKG-HXY"), "HX": ("CK", "CKG-HXY")}
COUNTRY = {"CR": "TH", "TL": "MM", "CK": "TH", "HX": "LA"}


def host_steps(s, host, plan_id, crossing):
    actor = principal(s, "case", host)
    services.record_step(s, actor, plan_id, "consent", {"state": "done", "details": {"date": date.today().isoformat(),
                                                                                   "language": "my"}})
    services.record_step(s, actor, plan_id, "legal_clearance", {"state": "done", "details": {"clearance": "testimony_given"}})
    services.record_step(s, actor, plan_id, "arrangements", {"state": "done", "details": {"date": SOON, "crossing": crossing,
                                                                                        "escorts": ["Officer Noi"]}})


def home_steps(s, home, plan_id, documents=True):
    actor = principal(s, "case", home)
    services.record_step(s, actor, plan_id, "family_tracing", {"state": "done", "note": "Mother found"})
    services.record_step(s, actor, plan_id, "family_assessment", {"state": "done", "details": {"assessment": "safe"}})
    plan = services.read_plan(s, actor, plan_id)
    docs = {pv.person.case_number: {"type": "certificate_of_identity", "number": f"CI-{i}", "expiry": "2027-12-31"}
            for i, pv in enumerate(plan.persons)} if documents else {}
    services.record_step(s, actor, plan_id, "nationality_verification", {"state": "done", "details": {"documents": docs}})


@pytest.fixture
def plan(demo, make_case):
    """Factory: a plan from `host` to its partner for `n` new cases, optionally with every step done."""
    def make(host="CR", n=1, ready=False, dob="1995-01-01", documents=True):
        home, crossing = PAIRS[host]
        ids = [make_case(centre=host, date_of_birth=dob, nationality=COUNTRY[home]) for _ in range(n)]
        with demo.test_request_context(), session_scope() as s:
            p = services.create_plan(s, principal(s, "case", host), {"case_ids": ids, "to_centre": home,
                                                                    "crossing": crossing, "planned_date": SOON})
            if ready:
                host_steps(s, host, p.id, crossing)
                home_steps(s, home, p.id, documents)
            return p.id, ids
    return make
