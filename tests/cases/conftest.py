import pytest

from border_referral.cases import services
from border_referral.database import session_scope
from tests.conftest import principal

# Canaries: if any of these ever shows up in the database files, a dump or the attachment store,
# personal data leaked.
CANARY_TH = "ทดสอบนกขมิ้นวิเศษ"
CANARY_MY = "ငှက်ဝါကနေရီစမ်းသပ်"
CANARY_LO = "ທົດສອບນົກຂະມິ້ນ"
CANARY_LATIN = "Canarybird Zqxjk"
CANARY_ID = "ZQ9876543210"


def person(**over):
    data = {"full_name": CANARY_MY, "latin_name": CANARY_LATIN, "sex": "female", "nationality": "MM",
            "date_of_birth": "2010-05-01", "id_numbers": [CANARY_ID], "aliases": [CANARY_TH, CANARY_LO],
            "narrative": "Recruited through a broker and held at a farm.", "exploitation_types": ["forced_labour"],
            "health": "Needs medical follow-up.", "referral_source": "police"}
    data.update(over)
    return data


@pytest.fixture
def make_case(demo):
    def make(role="case", centre="CR", **over):
        with demo.test_request_context(), session_scope() as s:
            case = services.create_case(s, principal(s, role, centre), person(**over))
            return case.id
    return make
