"""The CTDC export (reports/): identified victims of the caller's centre only, coded fields only,
k-anonymous over every column (proven by counting each combination), what was coarsened and left
out said in the answer and on the audit record; administrators only."""
from collections import Counter
import csv
import io

import pytest
from sqlalchemy import select

from border_referral.audit.models import AuditRecord
from border_referral.cases.models import Case
from border_referral.database import session_scope
from border_referral.reports import services
from border_referral.screening.models import Screening
from tests.cases.conftest import make_case  # noqa: F401  (a fixture)
from tests.conftest import principal

pytestmark = pytest.mark.usefixtures("demo")


def _victims(demo, centre, people):
    """Cases marked identified (the MDT decision's outcome as the screening keeps it)."""
    from border_referral.cases import services as cases

    with demo.test_request_context(), session_scope() as s:
        actor = principal(s, "case", centre)
        for sex, nationality, child, kinds in people:
            case = cases.create_case(s, actor, {"full_name": "Invented Person", "sex": sex, "nationality": nationality,
                                                "age_estimate": 15 if child else 30, "exploitation_types": kinds})
            s.add(Screening(centre_id=case.centre_id, case_id=case.id, created_by_id=actor.id, outcome="victim"))


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_every_combination_appears_at_least_k_times(demo, db):
    # One person stands out (the only Cambodian): left out rather than coarsening everyone's record
    # (at most a tenth of the records may be left out before the columns are coarsened).
    people = ([("female", "MM", False, ["forced_labour"])] * 12 + [("male", "MM", False, ["forced_labour"])] * 11
              + [("male", "KH", False, ["forced_begging"])])
    _victims(demo, "CR", people)
    _victims(demo, "TL", [("female", "TH", False, ["forced_labour"])] * 12)  # another centre's: never in CR's export
    with db() as s:
        export = services.ctdc_export(s, principal(s, "admin", "CR"))
    rows = _rows(export.csv())
    counts = Counter(tuple(r[c] for c in services.COLUMNS) for r in rows)
    assert counts and min(counts.values()) >= 11
    assert export.considered == 24 and len(rows) == 23 and export.suppressed == 1
    assert {r["CountryOfExploitation"] for r in rows} == {"TH"} and {r["citizenship"] for r in rows} == {"MM"}
    assert export.steps == [] and {r["yearOfRegistration"] for r in rows} != {""}


def test_when_many_would_be_left_out_the_columns_are_coarsened_first(demo, db):
    # Two nationalities of 6: too small alone, released together as "Other" rather than left out.
    people = [("female", "KH", False, ["forced_labour"])] * 6 + [("female", "VN", False, ["forced_labour"])] * 6
    _victims(demo, "CR", people)
    with db() as s:
        export = services.ctdc_export(s, principal(s, "admin", "CR"))
    rows = _rows(export.csv())
    assert export.steps == ["rare_citizenship_as_other"] and export.suppressed == 0
    assert {r["citizenship"] for r in rows} == {"Other"} and len(rows) == 12


def test_only_identified_victims_and_nothing_personal(demo, db, make_case):
    make_case(centre="CR")  # a case without a decision: not exported
    _victims(demo, "CR", [("female", "MM", False, ["forced_labour"])] * 11)
    with db() as s:
        text = services.ctdc_export(s, principal(s, "admin", "CR")).csv()
        numbers = [c.case_number for c in s.execute(select(Case)).scalars()]
    assert len(_rows(text)) == 11 and "Invented" not in text and not any(n in text for n in numbers)
    assert text.splitlines()[0].split(",") == list(services.COLUMNS)


def test_the_api_is_for_administrators_and_on_the_audit_record(demo, token_for):
    _victims(demo, "CR", [("female", "MM", False, ["forced_labour"])] * 11)
    client = demo.test_client()
    r = client.get("/api/v1/exports/ctdc.csv", headers={"Authorization": f"Bearer {token_for('admin', 'CR')}"})
    assert r.status_code == 200 and r.mimetype == "text/csv" and r.headers["X-K-Anonymity"] == "11"
    assert len(_rows(r.get_data(as_text=True))) == 11 and r.headers["X-Records-Suppressed"] == "0"
    for role in ("case", "viewer", "secretariat"):
        denied = client.get("/api/v1/exports/ctdc.csv", headers={"Authorization": f"Bearer {token_for(role, 'CR')}"})
        assert denied.status_code == 403
    with demo.app_context(), session_scope() as s:
        records = s.execute(select(AuditRecord).where(AuditRecord.action == "export.ctdc")).scalars().all()
        assert len(records) == 1 and '"released": 11' in records[0].details


def test_the_page_offers_the_download_to_administrators_only(signed_in):
    admin = signed_in("admin", "CR")
    page = admin.get("/reports/").get_data(as_text=True)
    assert 'data-testid="ctdc-export"' in page and 'href="/reports/ctdc.csv"' in page
    assert admin.get("/reports/ctdc.csv").mimetype == "text/csv"
    assert signed_in("case", "CR").get("/reports/").status_code == 403
