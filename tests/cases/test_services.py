import threading

import pytest
from sqlalchemy import select

from border_referral.audit import verify
from border_referral.audit.models import AuditRecord
from border_referral.cases import services
from border_referral.cases.models import Case
from border_referral.crypto.errors import IntegrityFailure
from border_referral.crypto.fields import Sealed
from border_referral.errors import Conflict, NotFound, PermissionDenied, ValidationError
from border_referral.i18n import thai_fiscal_year
from tests.cases.conftest import CANARY_ID, CANARY_LATIN, CANARY_MY, CANARY_TH, person
from tests.conftest import principal

pytestmark = pytest.mark.usefixtures("demo")


def test_case_numbers_per_centre_and_thai_fiscal_year(db, make_case):
    a, b, c = make_case(), make_case(), make_case(centre="TL")
    with db() as s:
        numbers = [s.get(Case, i).case_number for i in (a, b, c)]
    from datetime import datetime
    from zoneinfo import ZoneInfo
    fy = thai_fiscal_year(datetime.now(ZoneInfo("Asia/Bangkok")).date())  # each centre's own day
    assert numbers[0] == f"CR-{fy}-0001" and numbers[1] == f"CR-{fy}-0002"
    today = datetime.now(ZoneInfo("Asia/Yangon")).date()
    start = today.year if today.month >= 4 else today.year - 1  # Myanmar: April-March
    assert numbers[2] == f"TL-{start}/{(start + 1) % 100:02d}-0001"


def test_personal_fields_are_encrypted_and_coded_fields_clear(db, make_case):
    cid = make_case()
    with db() as s:
        case = s.get(Case, cid)
        assert isinstance(case.full_name, Sealed) and CANARY_MY.encode() not in bytes(case.full_name)
        assert (case.sex, case.nationality, case.exploitation_types) == ("female", "MM", ["forced_labour"])
        assert case.is_child is True  # born 2010


def test_read_is_audited_with_field_names_only(db, make_case):
    cid = make_case()
    with db() as s:
        _case, values = services.read_case(s, principal(s, "case", "CR"), cid)
        assert values["full_name"] == CANARY_MY and values["health"] == "Needs medical follow-up."
        rec = s.execute(select(AuditRecord).where(AuditRecord.action == "case.read")).scalars().all()[-1]
        assert rec.target_id == cid and "full_name" in rec.details and CANARY_MY not in rec.details
        assert verify(s).ok


def test_viewers_do_not_see_sensitive_groups_and_admins_see_no_personal_data(db, make_case):
    cid = make_case()
    with db() as s:
        _c, values = services.read_case(s, principal(s, "viewer", "CR"), cid)
        assert values["full_name"] == CANARY_MY and "health" not in values and "sexual_exploitation" not in values
        _c, values = services.read_case(s, principal(s, "admin", "CR"), cid)
        assert values == {}
        with pytest.raises(PermissionDenied):
            services.read_case(s, principal(s, "secretariat", "CR"), cid)
        with pytest.raises(PermissionDenied):
            services.update_case(s, principal(s, "viewer", "CR"), cid, {"status": "closed"}, 1)


@pytest.mark.parametrize("role", ["admin", "case", "secretariat", "viewer"])
def test_other_centres_get_not_found_whatever_their_role(db, make_case, role):
    cid = make_case()
    with db() as s:
        other = principal(s, role, "TL")
        for call in (lambda: services.read_case(s, other, cid),
                     lambda: services.update_case(s, other, cid, {"status": "closed"}, 1),
                     lambda: services.add_note(s, other, cid, "x"),
                     lambda: services.read_attachment(s, other, cid, "x"),
                     lambda: services.erase_case(s, other, cid, "duplicate")):
            with pytest.raises(NotFound):
                call()


@pytest.mark.parametrize("over, field", [
    ({"full_name": ""}, "full_name"),
    ({"sex": "x"}, "sex"),
    ({"nationality": "XX"}, "nationality"),
    ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
    ({"date_of_birth": "01/02/2003"}, "date_of_birth"),
    ({"age_estimate": 200}, "age_estimate"),
    ({"exploitation_types": ["bad"]}, "exploitation_types"),
    ({"referral_source": "rumour"}, "referral_source"),
    ({"full_name": "x" * 201}, "full_name"),
    ({"id_documents": [{"type": "passport"}]}, "number"),
])
def test_bad_input_is_refused_and_writes_nothing(db, over, field):
    with db() as s:
        before = len(s.execute(select(Case.id)).all())
        with pytest.raises(ValidationError) as err:
            services.create_case(s, principal(s, "case", "CR"), person(**over))
        assert err.value.field == field and str(err.value.message)
        assert len(s.execute(select(Case.id)).all()) == before


def test_zawgyi_input_is_stored_as_unicode(db, make_case):
    cid = make_case(full_name="ေအာင္ေအာင္")
    with db() as s:
        _c, values = services.read_case(s, principal(s, "case", "CR"), cid)
        assert values["full_name"] == "အောင်အောင်"


@pytest.mark.parametrize("query", [CANARY_MY, CANARY_LATIN, CANARY_LATIN.upper().replace(" ", ""), CANARY_TH,
                                   "ZQ-9876 5432 10", "zq9876543210"])
def test_search_by_name_any_script_and_id_number(db, make_case, query):
    cid = make_case()
    make_case(full_name="Someone Else", latin_name=None, aliases=[], id_numbers=["X1"])
    with db() as s:
        rows = services.search(s, principal(s, "viewer", "CR"), query)
        assert [r.case.id for r in rows] == [cid]


def test_search_by_case_number_within_the_centre_only(db, make_case):
    cid = make_case()
    make_case()
    with db() as s:
        number = s.get(Case, cid).case_number
        me = principal(s, "viewer", "CR")
        assert [r.case.id for r in services.search(s, me, number)] == [cid]
        assert [r.case.id for r in services.search(s, me, f"  {number.lower()} ")] == [cid]
        assert services.search(s, principal(s, "case", "TL"), number) == []


def test_search_by_zawgyi_typed_burmese_name(db, make_case):
    cid = make_case(full_name="အောင်အောင်", latin_name="Aung Aung")
    with db() as s:
        assert [r.case.id for r in services.search(s, principal(s, "case", "CR"), "ေအာင္ေအာင္")] == [cid]
        assert [r.case.id for r in services.search(s, principal(s, "case", "CR"), "aung aung")] == [cid]


def test_search_never_crosses_centres(db, make_case):
    make_case(centre="CR")
    with db() as s:
        for query in (CANARY_MY, CANARY_LATIN, CANARY_ID):
            assert services.search(s, principal(s, "case", "TL"), query) == []
            assert services.search(s, principal(s, "case", "HX"), query) == []


def test_search_follows_edits(db, make_case):
    cid = make_case()
    with db() as s:
        me = principal(s, "case", "CR")
        services.update_case(s, me, cid, {"full_name": "ใหม่ ชื่อ", "aliases": []}, 1)
        assert services.search(s, me, CANARY_MY) == [] and services.search(s, me, CANARY_TH) == []
        assert [r.case.id for r in services.search(s, me, "ใหม่ชื่อ")] == [cid]


def test_stale_version_is_a_conflict_and_nothing_changes(db, make_case):
    cid = make_case()
    with db() as s:
        me = principal(s, "case", "CR")
        services.update_case(s, me, cid, {"status": "in_shelter"}, 1)
        with pytest.raises(Conflict):
            services.update_case(s, me, cid, {"status": "closed", "narrative": "lost?"}, 1)
    with db() as s:
        case, values = services.read_case(s, principal(s, "case", "CR"), cid)
        assert case.status == "in_shelter" and case.version == 2 and values["narrative"].startswith("Recruited")


def test_concurrent_edits_exactly_one_wins(app, db, make_case):
    """Two people load version 1 and save at the same moment: one wins, the other gets a conflict."""
    from border_referral.database import session_scope

    cid = make_case()
    barrier = threading.Barrier(2)
    results = {}

    def edit(name, status):
        with app.test_request_context():
            try:
                with session_scope() as s:
                    me = principal(s, "case", "CR")
                    case = s.get(Case, cid)
                    assert case.version == 1
                    barrier.wait(timeout=5)
                    services.update_case(s, me, cid, {"status": status, "narrative": f"by {name}"}, 1)
                results[name] = "saved"
            except Conflict:
                results[name] = "conflict"
            except Exception as exc:  # a database lock timeout would also be a lost race, not a pass
                results[name] = f"error {type(exc).__name__}"

    threads = [threading.Thread(target=edit, args=(n, st)) for n, st in (("a", "closed"), ("b", "in_shelter"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["conflict", "saved"], results
    winner = [n for n, r in results.items() if r == "saved"][0]
    with db() as s:
        case, values = services.read_case(s, principal(s, "case", "CR"), cid)
        assert case.version == 2 and values["narrative"] == f"by {winner}"


def test_child_flag_follows_age(db, make_case):
    cid = make_case(date_of_birth=None, age_estimate=25)
    with db() as s:
        me = principal(s, "case", "CR")
        assert s.get(Case, cid).is_child is False
        services.update_case(s, me, cid, {"age_estimate": 15}, 1)
        assert s.get(Case, cid).is_child is True


def test_notes_are_encrypted_and_reading_them_is_audited(db, make_case):
    cid = make_case()
    with db() as s:
        me = principal(s, "case", "CR")
        note = services.add_note(s, me, cid, "Family found in Tachileik")
        assert b"Tachileik" not in bytes(note.body)
        case = s.get(Case, cid)
        assert [body for _n, body in services.read_notes(s, me, case)] == ["Family found in Tachileik"]
        actions = s.execute(select(AuditRecord.action).where(AuditRecord.target_id == cid)).scalars().all()
        assert "case.note_add" in actions and "case.notes_read" in actions


def test_erasure_destroys_the_key_also_for_backups(db, make_case):
    from border_referral.crypto import envelope
    from border_referral.crypto.errors import KeyUnavailable
    from border_referral.crypto.models import DataKey as DK

    cid = make_case()
    kept = make_case(full_name="Kept Person")
    with db() as s:
        case = s.get(Case, cid)
        key_id = case.data_key_id
        sealed_copy = case.full_name  # what a backup would still hold
        dk = s.get(DK, key_id)
        backup_key = DK(id=dk.id, centre_code=dk.centre_code, kek_version=dk.kek_version, wrapped=dk.wrapped)
        assert envelope.unwrap(backup_key)  # readable before the erasure
        with pytest.raises(PermissionDenied):
            services.erase_case(s, principal(s, "case", "CR"), cid, "duplicate")
        with pytest.raises(ValidationError):
            services.erase_case(s, principal(s, "admin", "CR"), cid, "because")
        services.erase_case(s, principal(s, "admin", "CR"), cid, "data_subject_request")
    with db() as s:
        from border_referral.crypto.models import DataKey
        from border_referral.crypto.vault import Vault

        assert s.get(DataKey, key_id).wrapped is None
        with pytest.raises(IntegrityFailure):
            Vault.open(s, key_id)
        with pytest.raises(NotFound):
            services.read_case(s, principal(s, "case", "CR"), cid)
        assert services.search(s, principal(s, "case", "CR"), CANARY_MY) == []
        assert sealed_copy is not None
        with pytest.raises(KeyUnavailable):  # the backup's copy of the data key is dead too
            envelope.unwrap(backup_key)
        _c, values = services.read_case(s, principal(s, "case", "CR"), kept)  # the others are intact
        assert values["full_name"] == "Kept Person"
        rec = s.execute(select(AuditRecord).where(AuditRecord.action == "case.erase")).scalar_one()
        assert "data_subject_request" in rec.details


def test_tampered_field_raises_integrity_error(db, make_case):
    cid = make_case()
    other = make_case(full_name="Other Person")
    with db() as s:
        a, b = s.get(Case, cid), s.get(Case, other)
        a.full_name, b.full_name = b.full_name, a.full_name  # swap two rows' ciphertexts
    with db() as s:
        for target in (cid, other):
            with pytest.raises(IntegrityFailure):
                services.read_case(s, principal(s, "case", "CR"), target)


def test_list_filters_sort_and_pages(db, make_case):
    ids = [make_case(exploitation_types=["forced_labour"] if i % 2 else ["prostitution"]) for i in range(4)]
    with db() as s:
        me = principal(s, "viewer", "CR")
        page = services.list_cases(s, me, exploitation_type="prostitution")
        assert {r.case.id for r in page.rows} == {ids[0], ids[2]} and all(r.full_name == CANARY_MY for r in page.rows)
        page = services.list_cases(s, me, sort="number")
        assert [r.case.id for r in page.rows] == ids and page.next_page is None
        assert services.list_cases(s, me, status="closed").rows == []
        assert services.list_cases(s, principal(s, "case", "TL")).rows == []
        admin_rows = services.list_cases(s, principal(s, "admin", "CR")).rows
        assert len(admin_rows) == 4 and all(r.full_name is None for r in admin_rows)


def test_the_group_picker_finds_own_open_cases_by_name_id_or_number_only(db, make_case):
    """What a group referral or a repatriation plan may add: the caller's own cases, found through
    the blind index or by exact case number; never another centre's, never a closed or erased one."""
    from sqlalchemy import select

    from border_referral.audit.models import AuditRecord
    from border_referral.cases.models import Case

    mine = make_case(full_name="Nang Seng", latin_name="Nang Seng", id_numbers=["MM-778899"], aliases=[])
    closed = make_case(full_name="Nang Seng", latin_name="Nang Seng", id_numbers=[], aliases=[])
    theirs = make_case(centre="TL", full_name="Nang Seng", latin_name="Nang Seng", id_numbers=[], aliases=[])
    with db() as s:
        s.get(Case, closed).status = "closed"
        their_number = s.get(Case, theirs).case_number
        my_number = s.get(Case, mine).case_number
    with db() as s:
        cr = principal(s, "case", "CR")
        by_name = services.find_for_picker(s, cr, "nang seng")
        assert [r.case.id for r in by_name] == [mine] and by_name[0].full_name == "Nang Seng"
        assert [r.case.id for r in services.find_for_picker(s, cr, "MM-778899")] == [mine]
        assert [r.case.id for r in services.find_for_picker(s, cr, my_number.lower())] == [mine]
        assert services.find_for_picker(s, cr, their_number) == []
        assert services.find_for_picker(s, cr, "nang seng", exclude={mine}) == []
        assert services.find_for_picker(s, cr, "   ") == []
        with pytest.raises(ValidationError):
            services.find_for_picker(s, cr, "x" * 201)
        # what stays ticked: only own cases, whatever ids were posted
        assert [r.case.id for r in services.rows_by_ids(s, cr, [mine, theirs, "not-an-id"])] == [mine]
        shown = services.picker(s, cr, chosen_ids=[mine], find="nang seng", searching=True)
        assert [r.case.id for r in shown["chosen"]] == [mine] and shown["found"] == [] and shown["searched"]
        s.flush()
        actions = s.execute(select(AuditRecord.action).order_by(AuditRecord.seq.desc()).limit(2)).scalars().all()
        assert set(actions) <= {"case.search", "case.list"}


def test_one_word_of_a_name_or_the_words_in_another_order_find_the_case(db, make_case):
    cid = make_case(full_name="สมศรี แก้วมณี", latin_name="Somsri Kaewmanee", aliases=[])
    other = make_case(full_name="สมชาย ใจดี", latin_name="Somchai Jaidee", aliases=[])
    with db() as s:
        me = principal(s, "case", "CR")
        for query in ("สมศรี", "แก้วมณี", "แก้วมณี สมศรี", "Kaewmanee Somsri", "somsri", "KAEWMANEE"):
            assert [r.case.id for r in services.search(s, me, query)] == [cid], query
        assert [r.case.id for r in services.search(s, me, "ใจดี")] == [other]
        # Several words ask for the whole name (in any order), not for any one of its words.
        assert services.search(s, me, "สมศรี ใจดี") == []


def test_a_shared_given_name_is_no_duplicate_hint(db, make_case):
    """A partner is told a person may be known only when a whole name matches, not one word of it."""
    from border_referral.crypto import blind

    with db():
        whole = blind.name_digests("TL", "Aung Kyaw Win")
        assert blind.name_digests("TL", "Win Aung Kyaw") & whole  # the same name, words in another order
        assert not blind.name_digests("TL", "Aung Min") & whole
        assert blind.name_index_digests("TL", "Aung Min") & blind.query_digests("TL", "Aung")


def test_reindex_rebuilds_the_index_of_existing_cases(db, make_case, demo):
    from sqlalchemy import delete, func, select

    from border_referral.audit.models import AuditRecord
    from border_referral.cases.models import CaseIndex

    cid = make_case(full_name="สมศรี แก้วมณี", latin_name="Somsri Kaewmanee", aliases=[])
    with db() as s:  # as an older release left it: the whole name only
        s.execute(delete(CaseIndex).where(CaseIndex.case_id == cid))
    with db() as s:
        assert services.search(s, principal(s, "case", "CR"), "สมศรี") == []
    result = demo.test_cli_runner().invoke(args=["cases", "reindex"])
    assert result.exit_code == 0 and "1 case(s) indexed again." in result.output
    with db() as s:
        assert [r.case.id for r in services.search(s, principal(s, "case", "CR"), "สมศรี")] == [cid]
        records = s.execute(select(AuditRecord).where(AuditRecord.action == "case.reindex")).scalars().all()
        assert len(records) == 1 and '"cases": 1' in records[0].details and "สมศรี" not in records[0].details
        assert s.execute(select(func.count()).select_from(CaseIndex).where(CaseIndex.case_id == cid)).scalar() > 4
