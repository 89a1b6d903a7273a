"""Fixtures of the backup tests: a second instance to restore into (its own empty database and
instance folder, the source's key ring copied in) and a source with real data in it."""
from __future__ import annotations

import io
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from border_referral import create_app
from border_referral.cli import migrate
from tests.conftest import BASE_CONFIG, TEST_DB, dispose

CANARY_NAME = "Zqxjbackup Nangcanary"
CANARY_TH = "นางทดสอบสำรองข้อมูลพิเศษ"
CANARY_ID = "ZQ55BACKUP9911"
ATTACHMENT = b"Statement taken at the shelter; canary " + CANARY_NAME.encode()


MORE = {"exploitation_types": ["forced_labour"], "referral_source": "ngo"}


def _pg_url(schema: str, base: str = TEST_DB) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def instance(tmp_path):
    """Factory: an app on an empty database of its own. kind: the suite's database (default),
    'sqlite' or 'postgresql'; migrated: at the newest revision (else no tables at all);
    keyring_from: an app whose key ring file is copied into the new instance first."""
    made = []

    def make(name: str, *, kind: str | None = None, migrated: bool = False, keyring_from=None):
        kind = kind or ("sqlite" if TEST_DB == "sqlite" else "postgresql")
        path = tmp_path / name
        (path / "instance").mkdir(parents=True, mode=0o700)
        if kind == "sqlite":
            url = f"sqlite:///{path / 'restored.sqlite3'}"
        else:
            base = TEST_DB if TEST_DB != "sqlite" else "postgresql+psycopg://postgres@127.0.0.1:5432/test"
            schema = f"br_bk_{uuid.uuid4().hex[:12]}"
            admin = create_engine(base)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            made.append((admin, schema))
            url = _pg_url(schema, base)
        if keyring_from is not None:
            shutil.copy2(keyring_from.config["BORDER_REFERRAL_KEYRING"], path / "instance" / "keyring.json")
        app = create_app({**BASE_CONFIG, "DATABASE_URL": url, "BORDER_REFERRAL_INSTANCE": str(path / "instance"),
                          "RATELIMIT_KEY_PREFIX": f"br-test-{uuid.uuid4().hex[:12]}"})
        made.append((app.extensions["br_engine"], None))
        if migrated:
            with app.app_context():
                migrate(app)
        return app

    yield make
    dispose(made)


def token(app, role="case", centre="CR") -> str:
    from border_referral.auth.services import create_token, user_by_email
    from border_referral.database import session_scope

    with app.app_context(), session_scope() as s:
        user = user_by_email(s, f"{role}.{centre.lower()}@demo.border-referral.org")
        _t, plain = create_token(s, None, user.id, "backup-test")
    return plain


def seed_demo(app):
    from border_referral.database import session_scope
    from border_referral.demo import seed

    with app.app_context(), session_scope() as s:
        seed(s)
    return app


def fill(app) -> dict:
    """Real data through the API: cases with personal data at two centres, attachments of a case and
    of a referral, a referral sent and acknowledged across the border, reads on the audit log."""
    cr = app.test_client()
    h_cr = {"Authorization": f"Bearer {token(app, 'case', 'CR')}"}
    h_tl = {"Authorization": f"Bearer {token(app, 'case', 'TL')}"}
    person = {"full_name": CANARY_TH, "latin_name": CANARY_NAME, "sex": "female", "nationality": "MM",
              "date_of_birth": "2008-04-05", "id_numbers": [CANARY_ID],
              "home_address": {"village": "Wan Kat", "district": "Tachileik", "province": "Shan"}}
    r = cr.post("/api/v1/cases", headers=h_cr, json={"person": person, "exploitation_types": ["forced_labour"],
                                                     "referral_source": "ngo", "narrative": "Held at a farm."})
    assert r.status_code == 201, r.get_data(as_text=True)
    case_id = r.json["id"]
    others = [(h_cr, {"full_name": f"Second Person {n}", "sex": "male", "nationality": "LA"}) for n in range(2)]
    others.append((h_tl, {"full_name": "Tachileik Person", "sex": "male", "nationality": "TH"}))
    for headers, other in others:
        r = cr.post("/api/v1/cases", headers=headers, json={**MORE, "person": other})
        assert r.status_code == 201, r.get_data(as_text=True)
    att = cr.post(f"/api/v1/cases/{case_id}/attachments", headers=h_cr, content_type="multipart/form-data",
                  data={"file": (io.BytesIO(ATTACHMENT), "statement.txt")})
    assert att.status_code == 201, att.get_data(as_text=True)
    assert cr.post(f"/api/v1/cases/{case_id}/notes", headers=h_cr, json={"body": "Met the family."}).status_code == 201
    ref = cr.post("/api/v1/referrals", headers=h_cr, json={
        "case_id": case_id, "to_centre": "TL", "purpose": "family_tracing",
        "shared_fields": ["full_name", "sex", "nationality", "home_address"],
        "consent": {"given": True, "method": "written", "guardian": "Daw Aye (mother)"},
        "legal_ground": "Consent; Thailand-Myanmar MOU 2009", "message": "Please trace the family."})
    assert ref.status_code == 201, ref.get_data(as_text=True)
    rid = ref.json["id"]
    assert cr.post(f"/api/v1/referrals/{rid}/send", headers=h_cr).status_code == 200
    assert cr.post(f"/api/v1/referrals/{rid}/acknowledge", headers=h_tl).status_code == 200
    msg = cr.post(f"/api/v1/referrals/{rid}/messages", headers=h_tl, json={"body": "Tracing has started."})
    assert msg.status_code == 201, msg.get_data(as_text=True)
    up = cr.post(f"/api/v1/referrals/{rid}/attachments", headers=h_cr, content_type="multipart/form-data",
                 data={"file": (io.BytesIO(b"Family tracing report"), "report.txt")})
    assert up.status_code == 201, up.get_data(as_text=True)
    assert cr.get(f"/api/v1/cases/{case_id}", headers=h_cr).status_code == 200  # an audited read
    return {"case_id": case_id, "referral_id": rid, "attachment_id": att.json["id"], "headers": h_cr}


def store_files(app) -> dict[str, bytes]:
    from border_referral.crypto.files import store_dir

    with app.app_context():
        store = store_dir()
    return {p.relative_to(store).as_posix(): p.read_bytes() for p in sorted(Path(store).rglob("*")) if p.is_file()}
