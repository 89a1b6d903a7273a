"""Low findings of the attack review, each guarded: private SQLite files, HSTS over HTTPS, no
server banner, and one damaged record that no longer takes a whole list down."""
from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_sqlite_database_is_readable_by_its_owner_only(tmp_path):
    """Whatever database this run uses, a SQLite file made by the app is mode 0600 (new or existing)."""
    from border_referral.database import make_engine

    fresh, old = tmp_path / "fresh.sqlite3", tmp_path / "old.sqlite3"
    old.write_bytes(b"")
    old.chmod(0o644)  # a file from before this rule
    for path in (fresh, old):
        engine = make_engine(f"sqlite:///{path}")
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        engine.dispose()
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


def test_hsts_is_sent_over_https_only(web):
    assert "Strict-Transport-Security" in web.client.get("/sign-in", base_url="https://br.example.org").headers
    assert "Strict-Transport-Security" not in web.client.get("/sign-in").headers


def test_gunicorn_does_not_announce_itself(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PORT": str(port), "BORDER_REFERRAL_INSTANCE": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'g.sqlite3'}", "WEB_CONCURRENCY": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "wsgi:app"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        headers = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    headers = resp.headers
                    break
            except OSError:
                time.sleep(0.1)
        assert headers is not None, "gunicorn did not answer"
        assert "gunicorn" not in (headers.get("Server") or "").lower()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_one_damaged_record_does_not_take_the_list_and_search_down(demo, api, signed_in):
    from border_referral.cases.models import Case
    from border_referral.crypto.fields import Sealed
    from border_referral.database import session_scope

    a = api().post("/api/v1/cases", json={"person": {"full_name": "Nang Kham", "sex": "female", "nationality": "MM"}}).json
    b = api().post("/api/v1/cases", json={"person": {"full_name": "Nang Ngern", "sex": "female", "nationality": "MM"}}).json
    with demo.app_context(), session_scope() as s:
        case = s.get(Case, a["id"])
        damaged = bytearray(case.full_name)
        damaged[-1] ^= 1
        case.full_name = Sealed(bytes(damaged))
    page = signed_in("case", "CR").get("/cases/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Nang Ngern" in html and a["case_number"] in html
    assert "Nang Kham" not in html
    found = api().get("/api/v1/cases?q=Nang Kham")
    assert found.status_code == 200 and [i["case_number"] for i in found.json["items"]] == [a["case_number"]]
    assert b["case_number"]
