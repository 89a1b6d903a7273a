"""Issue 15: a tamper-evident audit log that does not serialise every read.

Records are chained with an HMAC under the key ring's audit key (not in the database), written
together at the commit of their unit of work, and signed checkpoints of the head are kept in a file
outside the database. An attacker with the database alone rewrites, deletes, reorders, truncates and
recomputes; `flask audit verify` notices every one of them."""
from __future__ import annotations

import hashlib
import json
import threading

import pytest
from sqlalchemy import select, text

from border_referral import audit
from border_referral.audit.models import AuditCheckpoint, AuditHead, AuditRecord
from border_referral.audit.services import _canonical
from border_referral.database import session_scope
from tests.audit.test_audit import _tamper
from tests.cases.conftest import make_case  # noqa: F401  (a fixture)
from tests.conftest import make_app


def _write(app, n, action="test.event"):
    with app.app_context(), session_scope() as s:
        for i in range(n):
            audit.record(s, None, action, ("thing", f"id-{i}"), {"n": i})


def _recompute_from(app, seq, *, unkeyed=False):
    """What the attack review did: recompute the chain after a change, from `seq` to the end, with
    plain SHA-256 (the attacker has no key), and move the head."""
    with app.app_context(), session_scope() as s:
        rows = s.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars().all()
    prev = rows[seq - 2].hash if seq > 1 else "0" * 64
    changes = []
    for rec in rows[seq - 1:]:
        rec.prev_hash = prev
        if unkeyed:
            rec.key_version = None
        digest = hashlib.sha256(_canonical(rec)).hexdigest()
        changes.append(("UPDATE audit_record SET prev_hash = :p, hash = :h, key_version = :k WHERE seq = :s",
                        {"p": prev, "h": digest, "k": rec.key_version, "s": rec.seq}))
        prev = digest
    changes.append(("UPDATE audit_head SET last_hash = :h, seq = :s WHERE id = 1", {"h": prev, "s": rows[-1].seq}))
    _tamper(app, *changes)


def _verify(app):
    with app.app_context():
        out = app.test_cli_runner().invoke(args=["audit", "verify"])
        with session_scope() as s:
            path = app.config["AUDIT_CHECKPOINT_FILE"]
            import os
            return audit.verify(s, checkpoints=audit.read_checkpoints(path) if os.path.exists(path) else []), out


def test_records_are_hmacs_under_a_key_outside_the_database(app):
    _write(app, 3)
    with app.app_context(), session_scope() as s:
        rows = s.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars().all()
        assert all(r.key_version == 1 for r in rows)
        assert all(r.hash != hashlib.sha256(_canonical(r)).hexdigest() for r in rows)  # not a plain hash
    ring = json.loads(open(app.config["BORDER_REFERRAL_KEYRING"]).read())
    assert ring["audit"]["keys"]["1"]["from_seq"] == 1
    result, out = _verify(app)
    assert result.ok and out.exit_code == 0 and "3 records" in out.output


@pytest.mark.parametrize("attack, broken", [
    # rewrite record 3 and recompute the chain after it (the attack review's "audit verify says intact")
    ([("UPDATE audit_record SET details = '{\"n\": 99}' WHERE seq = 3", {})], 3),
    # the same record rewritten as an old-style (unkeyed) record
    ([("UPDATE audit_record SET action = 'test.other' WHERE seq = 4", {})], 4),
])
def test_a_rewritten_record_is_found_even_with_the_chain_recomputed(app, attack, broken):
    _write(app, 6)
    _tamper(app, *attack)
    _recompute_from(app, broken, unkeyed=broken == 4)
    result, out = _verify(app)
    assert not result.ok and result.first_broken == broken and result.reason == "record altered"
    assert out.exit_code != 0 and f"record {broken}" in out.output


def test_deleted_and_reordered_records_are_found(app):
    _write(app, 6)
    _tamper(app, ("DELETE FROM audit_record WHERE seq = 2", {}))
    result, _out = _verify(app)
    assert not result.ok and result.first_broken == 2 and result.reason == "missing record"


def test_reordered_records_are_found(app):
    _write(app, 6)
    _tamper(app, ("UPDATE audit_record SET seq = 100 WHERE seq = 3", {}), ("UPDATE audit_record SET seq = 3 WHERE seq = 4", {}),
         ("UPDATE audit_record SET seq = 4 WHERE seq = 100", {}))
    result, _out = _verify(app)
    assert not result.ok and result.first_broken == 3


def test_a_log_cut_short_is_found_by_its_checkpoint_outside_the_database(database, tmp_path):
    app = make_app(database, tmp_path / "cp", AUDIT_CHECKPOINT_EVERY=5)
    try:
        for _ in range(12):   # twelve requests: checkpoints at 5 and 10, in the database and in the file
            _write(app, 1)
        lines = open(app.config["AUDIT_CHECKPOINT_FILE"]).read().splitlines()
        assert [json.loads(line)["seq"] for line in lines] == [5, 10]
        # The attacker deletes the newest five records, the checkpoints in the database too, and
        # puts the head back on record 7: the chain alone is consistent again.
        with app.app_context(), session_scope() as s:
            head7 = s.get(AuditRecord, 7).hash
        _tamper(app, ("DELETE FROM audit_record WHERE seq > 7", {}), ("DELETE FROM audit_checkpoint", {}),
             ("UPDATE audit_head SET seq = 7, last_hash = :h WHERE id = 1", {"h": head7}))
        with app.app_context(), session_scope() as s:
            assert audit.verify(s).ok        # without the file, nothing to compare with...
        result, out = _verify(app)          # ...the file outside the database holds record 10
        assert not result.ok and result.reason == "records cut off after the checkpoint of record 10"
        assert out.exit_code != 0 and "cut off" in out.output
    finally:
        app.extensions["br_engine"].dispose()


def test_a_forged_checkpoint_is_refused(app):
    _write(app, 3)
    with app.app_context():
        assert "record 3" in app.test_cli_runner().invoke(args=["audit", "checkpoint"]).output
        path = app.config["AUDIT_CHECKPOINT_FILE"]
        line = json.loads(open(path).read().splitlines()[0])
        with open(path, "a") as fh:
            fh.write(json.dumps({**line, "seq": 30}) + "\n")   # claims a record that never was
        out = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code != 0 and "checkpoint forged" in out.output


def test_the_records_of_one_unit_of_work_are_written_together(app):
    """Two units of work interleaving their records: each one's records are consecutive in the chain,
    numbered when it commits, not when they were made."""
    with app.app_context():
        first, second = session_scope(), session_scope()
        s1, s2 = first.__enter__(), second.__enter__()
        for i in range(3):
            audit.record(s1, None, "test.first", ("thing", str(i)), {})
            audit.record(s2, None, "test.second", ("thing", str(i)), {})
        second.__exit__(None, None, None)
        first.__exit__(None, None, None)
        with session_scope() as s:
            actions = s.execute(select(AuditRecord.action).order_by(AuditRecord.seq)).scalars().all()
            assert actions == ["test.second"] * 3 + ["test.first"] * 3
            assert audit.verify(s).ok


def test_a_rolled_back_unit_of_work_leaves_no_record(app):
    with app.app_context():
        with pytest.raises(RuntimeError), session_scope() as s:
            audit.record(s, None, "test.gone", None, {})
            raise RuntimeError("the change failed")
        with session_scope() as s:
            assert s.execute(select(AuditRecord)).scalars().all() == []
            assert s.get(AuditHead, 1).seq == 0


def test_a_query_of_the_log_sees_its_own_unit_of_works_records(app):
    with app.app_context(), session_scope() as s:
        audit.record(s, None, "test.mine", None, {})
        assert s.execute(select(AuditRecord.action)).scalars().all() == ["test.mine"]


def test_concurrent_writers_lose_no_record_and_keep_one_chain(app):
    """Eight threads, each committing twenty units of work of three records: 480 records, one chain."""
    errors = []

    def work(k):
        try:
            with app.app_context():
                for i in range(20):
                    with session_scope() as s:
                        for j in range(3):
                            audit.record(s, None, f"test.t{k}", ("thing", f"{i}-{j}"), {})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context(), session_scope() as s:
        rows = s.execute(select(AuditRecord.seq, AuditRecord.action).order_by(AuditRecord.seq)).all()
        assert [seq for seq, _a in rows] == list(range(1, 481))
        for start in range(0, 480, 3):   # each unit of work's three records are together
            assert len({a for _s, a in rows[start:start + 3]}) == 1
        assert audit.verify(s).ok


def test_a_read_is_never_served_without_its_record(demo, token_for, monkeypatch):
    """If the record of a read cannot be written, the reader gets an error, not the data."""
    from border_referral.audit import services as audit_services
    from tests.cases.conftest import person

    headers = {"Authorization": f"Bearer {token_for('case', 'CR')}"}
    client = demo.test_client()
    case = client.post("/api/v1/cases", json=person(full_name="Zqv Served Person"), headers=headers).json
    assert client.get(f"/api/v1/cases/{case['id']}", headers=headers).status_code == 200

    def broken(session):
        raise RuntimeError("the audit log cannot be written")

    monkeypatch.setattr(audit_services, "_write_pending", broken)
    monkeypatch.setitem(demo.config, "PROPAGATE_EXCEPTIONS", False)   # as in production: an error page
    r = client.get(f"/api/v1/cases/{case['id']}", headers=headers)
    assert r.status_code == 500 and b"Zqv Served Person" not in r.data


def test_checkpoints_are_rows_and_lines_once_committed(database, tmp_path):
    app = make_app(database, tmp_path / "cp", AUDIT_CHECKPOINT_EVERY=4)
    try:
        with app.app_context():
            with pytest.raises(RuntimeError), session_scope() as s:
                for i in range(5):
                    audit.record(s, None, "test.event", None, {"n": i})
                audit.flush_pending(s)
                raise RuntimeError("rolled back after the checkpoint was taken")
            import os
            assert not os.path.exists(app.config["AUDIT_CHECKPOINT_FILE"])   # nothing promised for it
            _write(app, 5)   # one unit of work passing record 4: the head it leaves (5) is signed
            with session_scope() as s:
                assert [c.seq for c in s.execute(select(AuditCheckpoint)).scalars()] == [5]
            assert json.loads(open(app.config["AUDIT_CHECKPOINT_FILE"]).read())["seq"] == 5
    finally:
        app.extensions["br_engine"].dispose()


def test_migration_0017_keys_the_chain_from_where_it_stands(old_release):
    """On the log of the release before (plain SHA-256), the first keyed record links to the last old
    one; rewriting an old record then breaks that link, which nobody can recompute without the key.
    The downgrade re-chains everything with plain SHA-256 and the release before reads it intact."""
    from border_referral.cli import migrate
    from tests.conftest import _downgrade

    app, _engine = old_release("0016")
    with app.app_context():
        with session_scope() as s:
            old = s.execute(text("SELECT count(*) FROM audit_record")).scalar_one()
        assert old > 0   # the demo set's records, as release 0016 chained them
        migrate(app, "head")
        _write(app, 2, "test.after")
        with session_scope() as s:
            rows = s.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars().all()
            assert [r.key_version for r in rows] == [None] * old + [1, 1]
            assert rows[old].prev_hash == rows[old - 1].hash
            assert audit.verify(s).ok
        _downgrade(app, "0016")
        with app.app_context(), session_scope() as s:   # the chain as the release before checks it
            prev = "0" * 64
            for rec in s.execute(select(*[c for c in AuditRecord.__table__.c if c.name != "key_version"])
                                 .order_by(AuditRecord.seq)):
                r = AuditRecord(**rec._mapping)
                assert r.prev_hash == prev and hashlib.sha256(_canonical(r)).hexdigest() == r.hash
                prev = r.hash
        assert "audit" not in json.loads(open(app.config["BORDER_REFERRAL_KEYRING"]).read())
        migrate(app, "head")                            # and up again: a new key from the chain's end
        _write(app, 1, "test.again")
        _tamper(app, ("UPDATE audit_record SET action = 'x.rewritten' WHERE seq = 1", {}))
        _recompute_from(app, 1, unkeyed=True)           # the old records rewritten, the chain recomputed
        with session_scope() as s:
            result = audit.verify(s)
        assert not result.ok and result.first_broken == old + 3   # the first keyed record after the downgrade
        with pytest.raises(RuntimeError, match="does not verify"):
            _downgrade(app, "0016")                     # nor does a downgrade launder it


def test_a_records_history_on_a_page_does_not_take_the_chains_lock(demo, make_case):
    """The case page shows the case's history from the log: that query asks for the past only, so
    the page's own read record waits for the commit and the chain's head is not locked meanwhile
    (the bench saw case pages time out behind each other when it was)."""
    from border_referral.audit.services import _PENDING
    from border_referral.cases import services as cases
    from border_referral.cases.models import Case
    from tests.conftest import principal

    cid = make_case()
    with demo.test_request_context(), session_scope() as s:
        me = principal(s, "case", "CR")
        seq_before = s.execute(text("SELECT seq FROM audit_head")).scalar_one()
        cases.read_case(s, me, cid)
        history = cases.timeline(s, me, s.get(Case, cid))
        assert [a for _at, a, _who in history][-1] == "case.create"
        assert [r.action for r in s.info[_PENDING]] == ["case.read"]            # still waiting for the commit
        assert s.execute(text("SELECT seq FROM audit_head")).scalar_one() == seq_before
    with demo.app_context(), session_scope() as s:
        assert s.execute(select(AuditRecord.action).order_by(AuditRecord.seq.desc())).scalars().first() == "case.read"
