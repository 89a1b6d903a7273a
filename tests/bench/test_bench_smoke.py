"""`make bench` cannot rot: the generator at a tiny scale, then one scenario with wrk for a second,
against the app under gunicorn with the production settings. No timing is asserted: only that
results.json-shaped figures came out, with requests made and every answer a 2xx.

Runs on the suite's database (BR_TEST_DATABASE): a SQLite file of its own, or a PostgreSQL schema of
its own that is dropped afterwards. wrk is a Debian package (`apt-get install wrk`); without it the
test fails, it never skips."""
from __future__ import annotations

import json
import shutil
import uuid

from bench import generate, run
from tests.conftest import TEST_DB

CHEAP_PASSWORDS = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1}
TINY = generate.Scale(cases=20, referrals=7, plans=2, meetings=2, attachment_records=4, files=2, batch=10)


def test_generator_and_one_scenario(tmp_path):
    assert shutil.which("wrk"), "wrk is not installed: apt-get install wrk (`make bench` installs it)"
    name = f"smoke_{uuid.uuid4().hex[:8]}"
    base = None if TEST_DB == "sqlite" else TEST_DB
    _url, schema = generate.database_url(name, base, tmp_path)
    lines: list[str] = []
    try:
        manifest = generate.generate(name, base, TINY, root=tmp_path, out=lines.append, app_config=CHEAP_PASSWORDS)
        entry = run.run(name, duration=1, threads=1, connections=2, only={"api_case_get"}, root=tmp_path,
                        out=lines.append)
    finally:
        if schema:
            generate.fresh_schema(base, schema, drop_only=True)

    assert manifest["database"] == ("sqlite" if base is None else "postgresql")
    assert manifest["rates"]["cases_per_s"] > 0 and manifest["download"]["attachment_id"]
    results = tmp_path / "results.json"
    run.write_results({name: entry}, results)
    written = json.loads(results.read_text())[name]
    assert {"machine", "date", "versions", "database", "scenarios"} <= set(written)
    assert set(written["scenarios"]) == {"hello_world", "api_case_get"}
    for figures in written["scenarios"].values():
        assert {"req_s", "ratio", "p50_ms", "p95_ms", "p99_ms"} <= set(figures)
        assert figures["requests"] > 0, figures
        assert figures["non_2xx"] == 0 and figures["socket_errors"] == 0 and figures["timeouts"] == 0, figures
        assert figures["probe_status"] == 200, figures
