"""The access report and the report of reads, as services."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from border_referral import audit
from border_referral.audit.models import AuditRecord
from border_referral.cases import services as cases
from border_referral.errors import NotFound, PermissionDenied, ValidationError
from border_referral.privacy import services
from border_referral.util import utcnow
from tests.conftest import principal
from tests.privacy.conftest import FILE_NAME, NAMES, NOTE


def test_the_report_holds_everything_and_reading_it_is_audited(db, full_case):
    case_id, _ref = full_case("CR")
    with db() as s:
        viewer = principal(s, "viewer", "CR")
        cases.read_case(s, viewer, case_id)  # a read that must show in the access log
    with db() as s:
        admin = principal(s, "admin", "CR")
        r = services.make_report(s, admin, case_id, "th")
        assert r.values["full_name"] == NAMES["CR"] and r.values["health"] == "Needs medical follow-up."
        assert [b for _n, b in r.notes] == [NOTE]
        assert [n for _a, n in r.attachments] == [FILE_NAME]
        [shared] = r.shared
        assert shared.partner.code == "TL" and shared.legal_ground == "Zq-ground MOU 2009" and shared.state == "sent"
        assert shared.fields == ["full_name", "sex", "nationality"]
        assert [d.outcome for d in r.decisions] == ["victim"]
        log = {(e.action, e.centre_code, tuple(e.roles)) for e in r.access_log}
        assert ("case.read", "CR", ("viewer",)) in log
        assert not any(e.action == "privacy.subject_access" for e in r.access_log)  # this report's reads come after
        records = s.execute(select(AuditRecord).where(AuditRecord.action == "privacy.subject_access")).scalars().all()
        assert records and all(json.loads(x.details)["case"] == case_id for x in records)
        assert all(json.loads(x.details)["language"] == "th" for x in records)
        assert all(NAMES["CR"] not in x.details and NOTE not in x.details for x in records)
        assert {x.actor_id for x in records} == {admin.id}
        assert audit.verify(s).ok


def test_the_default_language_is_the_interview_s_else_the_centre_s(db, full_case, make_case):
    with_interview, _r = full_case("CR", language="lo")
    without = make_case(centre="TL")
    with db() as s:
        admin_cr, admin_tl = principal(s, "admin", "CR"), principal(s, "admin", "TL")
        assert services.default_language(s, services.reach_for_report(s, admin_cr, with_interview)) == "lo"
        assert services.default_language(s, services.reach_for_report(s, admin_tl, without)) == "my"


@pytest.mark.parametrize("role, centre, error", [("case", "CR", PermissionDenied), ("viewer", "CR", PermissionDenied),
                                                 ("admin", "TL", NotFound), ("admin", "MS", NotFound),
                                                 ("network", "CR", PermissionDenied)])
def test_only_an_administrator_of_the_case_s_centre_makes_the_report(db, make_case, role, centre, error):
    case_id = make_case()
    with db() as s:
        with pytest.raises(error):
            services.make_report(s, principal(s, role, centre), case_id, "th")


def test_an_erased_case_has_no_report_and_a_language_must_be_offered(db, make_case):
    case_id = make_case()
    with db() as s:
        admin = principal(s, "admin", "CR")
        with pytest.raises(ValidationError) as err:
            services.make_report(s, admin, case_id, "fr")
        assert err.value.field == "language"
    with db() as s:
        cases.erase_case(s, principal(s, "admin", "CR"), case_id, "data_subject_request")
    with db() as s:
        with pytest.raises(NotFound):
            services.make_report(s, principal(s, "admin", "CR"), case_id, "th")


def _read_at(db, monkeypatch, case_id, when, role="case"):
    import border_referral.audit.services as audit_services

    monkeypatch.setattr(audit_services, "utcnow", lambda: when)
    try:
        with db() as s:
            cases.read_case(s, principal(s, role, "CR"), case_id)
    finally:
        monkeypatch.undo()


def test_the_reads_of_a_user_in_a_window(db, make_case, monkeypatch):
    old, recent = make_case(), make_case()
    now = utcnow()
    _read_at(db, monkeypatch, old, now - timedelta(days=30))
    _read_at(db, monkeypatch, recent, now)
    with db() as s:
        numbers = {c: cases.reach_case(s, principal(s, "case", "CR"), c).case_number for c in (old, recent)}
        admin = principal(s, "admin", "CR")
        worker = principal(s, "case", "CR")
        today = (now + timedelta(hours=7)).date()  # Chiang Rai's date
        report = services.read_report(s, admin, {"user_id": worker.id, "date_from": (today - timedelta(days=6)).isoformat(),
                                                 "date_to": today.isoformat()})
        seen = [n for row in report.rows for n in row.case_numbers]
        assert numbers[recent] in seen and numbers[old] not in seen
        assert all(services.is_read(row.action) for row in report.rows)
        earlier = services.read_report(s, admin, {"user_id": worker.id,
                                                  "date_from": (today - timedelta(days=35)).isoformat(),
                                                  "date_to": (today - timedelta(days=25)).isoformat()})
        assert [n for row in earlier.rows for n in row.case_numbers] == [numbers[old]]
        asked = s.execute(select(AuditRecord).where(AuditRecord.action == "privacy.read_report")).scalars().all()
        assert len(asked) == 2 and asked[0].target_id == worker.id
        csv = services.report_csv(report, str).decode("utf-8-sig")
        assert csv.splitlines()[0] == "time,action,what,case_numbers,reference" and numbers[recent] in csv


def test_the_reads_report_is_scoped_and_its_window_checked(db, demo):
    with db() as s:
        admin, worker_tl = principal(s, "admin", "CR"), principal(s, "case", "TL")
        window = {"date_from": "2026-01-01", "date_to": "2026-01-31"}
        with pytest.raises(NotFound):
            services.read_report(s, admin, {"user_id": worker_tl.id, **window})
        with pytest.raises(PermissionDenied):
            services.read_report(s, principal(s, "case", "CR"), {"user_id": admin.id, **window})
        # the network administrator asks about any centre's users
        assert services.read_report(s, principal(s, "network", "CR"), {"user_id": worker_tl.id, **window}).rows == []
        with pytest.raises(ValidationError) as err:
            services.read_report(s, admin, {"user_id": admin.id, "date_from": "2026-01-01", "date_to": "2026-04-03"})
        assert err.value.field == "date_to"
        assert services.read_report(s, admin, {"user_id": admin.id, "date_from": "2026-01-01",
                                               "date_to": "2026-04-02"}).rows == []  # 92 days
        with pytest.raises(ValidationError):
            services.read_report(s, admin, {"user_id": admin.id, "date_from": "2026-02-01", "date_to": "2026-01-01"})
        with pytest.raises(ValidationError) as err:
            services.read_report(s, admin, {"user_id": "", **window})
        assert err.value.field == "user_id"
        assert {u.centre_id for u, _c in services.users_in_scope(s, admin)} == {admin.centre_id}
        assert len({c.code for _u, c in services.users_in_scope(s, principal(s, "network", "CR"))}) > 1
