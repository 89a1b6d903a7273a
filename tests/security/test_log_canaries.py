"""Issue 14: the log canary scan (tests/canaries.py) can fail. It sees what the vault seals, finds a
sealed value in a log record (any logger, any level, in the message, its arguments, its extra fields
or its traceback, whatever the case), names the logger and never prints the value; and a run in
which personal data reaches a log ends with a failure."""
from __future__ import annotations

import logging
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests import canaries
from tests.canaries import SCAN, Scanner

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Nilar Htwe Zq-log"


def record(name: str, msg: str, *args, level=logging.INFO, exc=None, **extra) -> logging.LogRecord:
    rec = logging.LogRecord(name, level, __file__, 1, msg, args, exc)
    rec.__dict__.update(extra)
    return rec


def test_the_vault_feeds_the_scan(api):
    """What the API seals is collected: names, narratives, notes (the plugin wraps Vault.write)."""
    case = api("case", "CR")
    cid = case.post("/api/v1/cases", json={"person": {"full_name": SECRET, "sex": "female", "nationality": "MM",
                                                       "date_of_birth": "1995-01-01", "id_numbers": ["ZQ55"]},
                                            "narrative": "Zq-log narrative of the finding"}).get_json()["id"]
    case.post(f"/api/v1/cases/{cid}/notes", json={"body": "Zq-log note about the family"})
    assert {SECRET, "Zq-log narrative of the finding", "Zq-log note about the family"} <= SCAN.values
    # dates, short strings, numbers and code words are not looked for (they occur in logs by chance)
    assert not {"1995-01-01", "ZQ55", "female", "MM"} & SCAN.values


@pytest.mark.parametrize("rec", [
    record("border_referral.cases", "looked up %s", SECRET),
    record("werkzeug", '127.0.0.1 - - [27/Nov/2026 10:00:00] "GET /api/v1/cases?q=%s HTTP/1.1" 200 -',
           SECRET.upper()),
    record("border_referral.request", "request", level=logging.DEBUG, path=f"/cases/{SECRET}"),
    record("gunicorn.error", "worker failed", level=logging.ERROR,
           exc=(ValueError, ValueError(f"bad value {SECRET.lower()}"), None)),
    record("border_referral.crypto", "integrity failure of Zq-canary-name-TL"),
], ids=["args", "access-line-upper-case", "extra-field", "traceback", "security-canary"])
def test_the_scan_finds_a_sealed_value_in_a_log_record(rec):
    scanner = Scanner()
    scanner.add({"full_name": SECRET, "id_documents": [{"type": "passport", "number": "ZQ987654321"}]})
    scanner.capture(record("border_referral.request", "request", path="/api/v1/cases/0f3a", status=200))
    scanner.capture(rec)
    findings = scanner.scan()
    assert [f.logger for f in findings] == [rec.name]
    assert SECRET not in findings[0].hint and SECRET.lower() not in findings[0].hint.lower()
    assert "Zq-canary-name-TL" not in findings[0].hint


def test_the_scan_passes_clean_logs():
    scanner = Scanner()
    scanner.add([SECRET, "ZQ987654321", "2026-11-27", "written", "12345"])
    assert scanner.values == {SECRET, "ZQ987654321"}
    for rec in (record("border_referral.request", "request", path="/api/v1/cases/0f3a", status=200),
                record("werkzeug", "GET /static/app.css 200 - 2026-11-27 written 12345")):
        scanner.capture(rec)
    assert scanner.scan() == []


def test_a_leak_fails_the_session():
    scanner = Scanner()
    scanner.add(SECRET)
    scanner.capture(record("border_referral.cases", "found %s", SECRET))
    session = SimpleNamespace(exitstatus=0)
    result = canaries.conclude(session, scanner)
    assert session.exitstatus == pytest.ExitCode.TESTS_FAILED
    assert len(result["findings"]) == 1 and result["values"] == 1 and result["records"] == 1


PROBE = '''
import logging
from types import SimpleNamespace

from border_referral.crypto.vault import Vault


class Person:
    __tablename__ = "probe"
    __encrypted__ = {"full_name"}
    id = "p1"


def test_a_sealed_name_is_logged_below_the_level():
    vault = Vault(None, SimpleNamespace(id="k1"), bytes(32))
    vault.write(Person(), {"full_name": "Zq-probe Thiri Aung"})
    logging.getLogger("border_referral.probe").setLevel(logging.WARNING)
    logging.getLogger("border_referral.probe").debug("matched %s", "zq-PROBE thiri aung")
'''


def test_a_run_that_logs_personal_data_fails(tmp_path):
    """A whole pytest run (a process of its own) with the plugin: the one test passes, the run fails."""
    probe = tmp_path / "test_probe.py"
    probe.write_text(textwrap.dedent(PROBE))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "tests.canaries", "-p", "no:cacheprovider",
                          "--rootdir", str(tmp_path), str(probe)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    out = run.stdout + run.stderr
    assert run.returncode == pytest.ExitCode.TESTS_FAILED, out
    assert "1 passed" in out and re.search(r"canaries in logs: 1 of 1 values in \d+ log records", out), out
    assert "`border_referral.probe`" in out and "Thiri" not in out and "thiri" not in out


def test_the_access_lines_of_a_live_server_are_seen(demo):
    """The browser tests serve the app with werkzeug in a thread: its access lines (which carry the
    query string) are among the records scanned."""
    import threading
    import urllib.request

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, demo, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    def seen():
        return any(name == "werkzeug" and "/healthz?probe=zq-access" in text for name, text in SCAN.records[before:])

    try:
        before = len(SCAN.records)
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/healthz?probe=zq-access") as resp:
            assert resp.status == 200
        deadline = time.monotonic() + 5  # the line is written by the request's thread after the answer
        while not seen() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        server.shutdown()
        thread.join(5)
    assert seen(), SCAN.records[before:]


def test_a_sealed_value_in_clear_in_a_database_file_is_found(tmp_path, app):
    """The database half of the scan: a value sealed during a test, found in that test's database
    file (here written there on purpose), is reported without showing it; ciphertext is not."""
    scanner = Scanner()
    scanner.add("Somsri Canarysdottir")
    db = tmp_path / "leaky.sqlite3"
    db.write_bytes(b"\x00header\x00Somsri Canarysdottir\x00rest")
    scanner.scan_database("tests/x.py::test_leak", [db, tmp_path / "leaky.sqlite3-wal"])
    assert [f.hint for f in scanner.db_findings] == ["So…(20 characters)"]
    assert scanner.recent == set()  # the next test starts afresh
    scanner.add("Somsri Canarysdottir")
    db.write_bytes(b"\x00only ciphertext here\x00")
    scanner.scan_database("tests/x.py::test_clean", [db])
    assert len(scanner.db_findings) == 1 and scanner.db_files == 2
    # and the suite's own app: on SQLite its file (and WAL) is found; on PostgreSQL there is no file
    files = canaries._sqlite_files(SimpleNamespace(funcargs={"app": app}))
    if app.config["DATABASE_URL"].startswith("sqlite"):
        assert [f.exists() for f in files] == [True, files[1].exists()] and files[1].name.endswith("-wal")
    else:
        assert files == []
