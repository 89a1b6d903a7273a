import io
import subprocess

import pytest

from border_referral.cases import services as cases
from border_referral.database import session_scope
from border_referral.referrals import services as referrals
from border_referral.screening import services as screening
from tests.cases.conftest import make_case  # noqa: F401  (a fixture)
from tests.conftest import principal
from tests.screening.conftest import INTERVIEW, MEMBERS

PARTNER = {"CR": ("TL", "MM"), "TL": ("CR", "TH")}
NAMES = {"CR": "สมหญิง ใจดีทดสอบ", "TL": "ခင်မာ အေးသန်း"}  # Burmese: extracted by pdftotext as written
NOTE = "Zq-note-of-the-person"
FILE_NAME = "zq-statement.txt"


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-raw", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


@pytest.fixture
def full_case(demo, make_case):
    """Factory: a case of `centre` with a note, a file, a screening (interview in `language`) with a
    victim decision and a referral sent to its partner; returns (case_id, referral_id)."""
    def make(centre="CR", language="my", name=None):
        partner, nationality = PARTNER[centre]
        case_id = make_case(centre=centre, full_name=name or NAMES[centre], date_of_birth="1990-03-01",
                            nationality=nationality if centre == "TL" else "MM")
        with demo.test_request_context(), session_scope() as s:
            actor = principal(s, "case", centre)
            cases.add_note(s, actor, case_id, NOTE)
            cases.add_attachment(s, actor, case_id, io.BytesIO(b"a statement"), FILE_NAME)
            sc = screening.create_screening(s, actor, case_id, {"source": "labour_inspection"})
            screening.record_interview(s, actor, sc.id, {**INTERVIEW, "language": language}, sc.version)
            screening.decide(s, actor, sc.id, {"outcome": "victim", "reasons": "Deceived and held", "members": MEMBERS})
            r = referrals.create_referral(s, actor, {
                "case_id": case_id, "to_centre": partner, "purpose": "family_tracing",
                "shared_fields": ["full_name", "sex", "nationality"],
                "consent": {"given": True, "method": "written"}, "legal_ground": "Zq-ground MOU 2009"})
            referrals.perform(s, actor, r.id, "send", {})
            return case_id, r.id
    return make
