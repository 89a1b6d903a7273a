"""Load realistic volume into a fresh instance, through the real services and the real encryption.

    .venv/bin/python -m bench.generate --name sqlite                       # full scale, SQLite
    .venv/bin/python -m bench.generate --name postgresql --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python -m bench.generate --cases 2000 --referrals 400 ...   # smaller

The instance lives in build/bench/<name>/ (database, key ring, attachments, manifest.json); on
PostgreSQL the tables go in a schema of their own (`bench_<name>`), dropped and made again. Cases,
referrals, plans, meetings and the 500 real files go through the services, one commit per batch;
the attachment *records* beyond the real files are rows with a sealed name and no file (the bulk
path). Every name is made here from syllables: no real person's data. Nothing personal is printed.

manifest.json says what run.py needs: the database URL, a bearer token of case.cr, and the ids,
names and id numbers of a few cases of Chiang Rai to read, search and download."""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "bench"

# ---------------------------------------------------------------- names, from syllables only

THAI = ["สม", "ชาย", "ศรี", "สุข", "มณี", "ทอง", "แก้ว", "จันทร์", "พร", "นภา", "วงศ์", "กมล", "ประ", "เสริฐ",
        "อรุณ", "รัตน์", "บุญ", "มา", "นิล", "ดาว", "ใจ", "สาย", "คำ", "เพชร"]
BURMESE = ["အောင်", "ကျော်", "မြင့်", "ဆန်း", "သန်း", "ထွန်း", "ခင်", "မာ", "စိုး", "နွယ်", "ဝင်း", "လှ", "ဇော်",
           "မိုး", "ဖြူ", "နီ", "သီ", "ဟန်", "ညို", "ဦး"]
LAO = ["ສົມ", "ພອນ", "ແກ້ວ", "ບຸນ", "ມີ", "ຈັນ", "ທອງ", "ສີ", "ວົງ", "ໄຊ", "ຄຳ", "ດາ", "ນ້ອຍ", "ມະນີ", "ສຸກ",
       "ພູ", "ວັນ", "ເພັດ"]
LATIN = ["som", "chai", "aung", "kyaw", "mya", "thi", "bun", "mee", "kham", "noi", "phon", "sai", "zaw", "hla",
         "win", "thong", "nang", "khin", "moe", "lay", "vong", "dao", "seng", "pha"]
SCRIPT = {"TH": THAI, "MM": BURMESE, "LA": LAO}


def name_in(rng: random.Random, syllables: list[str], words: int = 2, latin: bool = False) -> str:
    parts = ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 3))) for _ in range(words)]
    return " ".join(p.capitalize() for p in parts) if latin else " ".join(parts)


# ---------------------------------------------------------------- the demo network

CENTRES = ["CR", "TL", "MS", "MW", "CK", "HX"]
COUNTRY = {"CR": "TH", "TL": "MM", "MS": "TH", "MW": "MM", "CK": "TH", "HX": "LA"}
PARTNERS = {"CR": ["TL", "HX"], "TL": ["CR", "HX"], "MS": ["MW"], "MW": ["MS"], "CK": ["HX"], "HX": ["CK", "CR", "TL"]}
# Where a person found at a centre usually comes from (the partner's country), for repatriation plans.
HOME = {"CR": ("TL", "MSI-TCL"), "TL": ("CR", "MSI-TCL"), "MS": ("MW", "MST-MWD"), "MW": ("MS", "MST-MWD"),
        "CK": ("HX", "CKG-HXY"), "HX": ("CK", "CKG-HXY")}
OTHER_NATIONALITIES = ["TH", "MM", "LA", "KH", "VN", "CN", "stateless", "unknown"]
# Four in five open: at full scale Chiang Rai then has about 13,300 open cases, so page 500 of its
# open cases (25 a page) exists for the deep-page scenario.
STATUSES = ["open"] * 12 + ["in_shelter", "repatriation_pending", "closed"]
EXPLOITATION = ["forced_labour", "prostitution", "forced_begging", "slavery", "other_sexual_exploitation"]
SOURCES = ["police", "immigration", "labour_inspection", "hotline_1300"]
# The path of actions to each referral state (sender acts s, receiver r).
PATHS = {"draft": [], "sent": ["send"], "acknowledged": ["send", "acknowledge"],
         "accepted": ["send", "acknowledge", "accept"], "declined": ["send", "acknowledge", "decline"],
         "completed": ["send", "acknowledge", "accept", "complete"], "withdrawn": ["send", "withdraw"]}
RECEIVER_ACTIONS = {"acknowledge", "accept", "decline"}
BENCH_USER = "case.cr@demo.border-referral.org"
FILE_BYTES = 256 * 1024  # the file the upload and download scenarios move


@dataclass
class Scale:
    cases: int = 100_000
    referrals: int = 20_000
    plans: int = 5_000
    meetings: int = 200
    attachment_records: int = 50_000
    files: int = 500
    batch: int = 500


def scale_from_env(**over) -> Scale:
    """BENCH_CASES, BENCH_REFERRALS, BENCH_PLANS, BENCH_MEETINGS, BENCH_ATTACHMENTS, BENCH_FILES, BENCH_BATCH."""
    env = {"cases": "BENCH_CASES", "referrals": "BENCH_REFERRALS", "plans": "BENCH_PLANS",
           "meetings": "BENCH_MEETINGS", "attachment_records": "BENCH_ATTACHMENTS", "files": "BENCH_FILES",
           "batch": "BENCH_BATCH"}
    values = {k: int(os.environ[v]) for k, v in env.items() if os.environ.get(v)}
    values.update({k: v for k, v in over.items() if v is not None})
    return Scale(**values)


def person(rng: random.Random, centre: str, i: int, today: date) -> dict:
    """A made-up person found at `centre`: every other one a national of the partner's country."""
    nationality = COUNTRY[HOME[centre][0]] if i % 2 == 0 else rng.choice(OTHER_NATIONALITIES)
    script = SCRIPT.get(nationality)
    latin = name_in(rng, LATIN, latin=True)
    born = today - timedelta(days=rng.randint(12 * 365, 50 * 365))
    return {"full_name": name_in(rng, script) if script else latin, "latin_name": latin,
            "aliases": [name_in(rng, LATIN, 1, latin=True)] if i % 5 == 0 else [],
            "sex": rng.choice(["female", "male"]), "nationality": nationality,
            "date_of_birth": born.isoformat(), "id_numbers": [f"BX{rng.randrange(10**9, 10**10)}"],
            "status": rng.choice(STATUSES), "exploitation_types": [rng.choice(EXPLOITATION)],
            "referral_source": rng.choice(SOURCES), "found_date": (today - timedelta(days=rng.randint(0, 900))).isoformat(),
            "narrative": "Recruited through a broker and moved across the border; made-up record for the benchmark.",
            "health": "Follow-up at the district hospital."}


# ---------------------------------------------------------------- the instance

def database_url(name: str, base_url: str | None, instance: Path) -> tuple[str, str | None]:
    """The URL the app uses and the PostgreSQL schema (None on SQLite)."""
    if not base_url or base_url == "sqlite":
        return f"sqlite:///{instance / 'bench.sqlite3'}", None
    schema = f"bench_{name}".replace("-", "_")
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{schema}", schema


def fresh_schema(base_url: str, schema: str, *, drop_only: bool = False) -> None:
    from sqlalchemy import create_engine, text

    eng = create_engine(base_url)
    with eng.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if not drop_only:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng.dispose()


def make_app(url: str, instance: Path, **config):
    from border_referral import create_app

    return create_app({"DATABASE_URL": url, "BORDER_REFERRAL_INSTANCE": str(instance), "LOG_LEVEL": "WARNING",
                       **config})


class Progress:
    def __init__(self, what: str, total: int, out):
        self.what, self.total, self.out, self.started, self.done = what, total, out, time.monotonic(), 0

    def step(self, n: int) -> None:
        self.done += n
        rate = self.done / max(time.monotonic() - self.started, 1e-9)
        self.out(f"  {self.what}: {self.done}/{self.total}  {rate:,.0f} {self.what}/s")

    def rate(self) -> float:
        return round(self.done / max(time.monotonic() - self.started, 1e-9), 1)


def generate(name: str = "sqlite", base_url: str | None = None, scale: Scale | None = None, *,
             root: Path = BUILD, seed: int = 15, out=print, app_config: dict | None = None) -> dict:
    """Make build/bench/<name>/ from nothing and return (and write) its manifest."""
    if not re.fullmatch(r"[a-z0-9_]{1,40}", name):  # a folder to empty and a schema to drop: nothing odd
        raise ValueError("the name is lower-case letters, digits and _")
    scale = scale or Scale()
    folder = (root / name).resolve()
    if folder.exists():
        shutil.rmtree(folder)
    instance = folder / "instance"
    instance.mkdir(parents=True)
    url, schema = database_url(name, base_url, instance)
    if schema:
        fresh_schema(base_url, schema)
    app = make_app(url, instance, **(app_config or {}))
    started = time.monotonic()
    try:
        with app.test_request_context():
            manifest = _load(app, scale, random.Random(seed), out)
    finally:
        app.extensions["br_engine"].dispose()
    manifest.update({"name": name, "database_url": url, "schema": schema, "instance": str(instance),
                     "database": "postgresql" if schema else "sqlite", "scale": asdict(scale),
                     "seconds": round(time.monotonic() - started, 1)})
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2))
    path.chmod(0o600)  # it holds a bearer token
    out(f"generated {name} in {manifest['seconds']} s: {manifest['rates']}; manifest {path}")
    return manifest


def _load(app, scale: Scale, rng: random.Random, out) -> dict:
    from border_referral.auth.services import create_token, principal_for, user_by_email
    from border_referral.cli import migrate
    from border_referral.database import session_scope
    from border_referral.demo import seed

    migrate(app)
    with session_scope() as s:
        seed(s)
    with session_scope() as s:
        users = {(role, c): user_by_email(s, f"{role}.{c.lower()}@demo.border-referral.org").id
                 for c in CENTRES for role in ("case", "supervisor", "secretariat")}
        _token, token = create_token(s, None, user_by_email(s, BENCH_USER).id, "bench")

    def actor(s, role, centre):
        from border_referral.auth.models import User

        return principal_for(s, s.get(User, users[(role, centre)]))

    rates = {}
    by_centre, sample = _cases(scale, rng, out, actor, rates)
    files = _files(scale, rng, out, actor, by_centre, rates)
    _attachment_records(scale, rng, out, by_centre, users, rates)
    _referrals(scale, rng, out, actor, by_centre, rates)
    _plans(scale, out, actor, by_centre, rates)
    _meetings(scale, out, actor, rates)
    return {"token": token, "user": BENCH_USER, "sample": sample, "download": files, "rates": rates}


def _batches(total: int, size: int):
    for start in range(0, total, size):
        yield start, min(size, total - start)


def _cases(scale, rng, out, actor, rates):
    """Cases round-robin over the centres, opened by their case worker or supervisor in turn."""
    from border_referral.cases.services import create_case
    from border_referral.database import session_scope

    today = date.today()
    by_centre: dict[str, list[tuple[str, str]]] = {c: [] for c in CENTRES}  # (case id, nationality)
    sample, cr_status = [], {}
    progress = Progress("cases", scale.cases, out)
    for start, n in _batches(scale.cases, scale.batch):
        with session_scope() as s:
            actors = {}
            for i in range(start, start + n):
                centre = CENTRES[i % len(CENTRES)]
                role = "case" if (i // len(CENTRES)) % 2 == 0 else "supervisor"
                if (role, centre) not in actors:
                    actors[role, centre] = actor(s, role, centre)
                data = person(rng, centre, len(by_centre[centre]), today)
                case = create_case(s, actors[role, centre], data)
                by_centre[centre].append((case.id, data["nationality"]))
                if centre == "CR":
                    cr_status[data["status"]] = cr_status.get(data["status"], 0) + 1
                if centre == "CR" and len(sample) < 20:
                    sample.append({"case_id": case.id, "latin_name": data["latin_name"],
                                   "id_number": data["id_numbers"][0], "status": data["status"]})
        progress.step(n)
    rates["cases_per_s"] = progress.rate()
    return by_centre, {"cases": sample, "status_counts": cr_status}


def _files(scale, rng, out, actor, by_centre, rates):
    """Real encrypted files through the service (text, so nothing is re-encoded); the first is the
    one the download scenario reads, FILE_BYTES long, on the first sample case of Chiang Rai."""
    from border_referral.cases.services import add_attachment
    from border_referral.database import session_scope

    first = None
    progress = Progress("files", scale.files, out)
    for start, n in _batches(scale.files, min(scale.batch, 100)):
        with session_scope() as s:
            for i in range(start, start + n):
                centre = "CR" if i == 0 else CENTRES[i % len(CENTRES)]
                case_id = by_centre[centre][0 if i == 0 else rng.randrange(len(by_centre[centre]))][0]
                size = FILE_BYTES if i == 0 else rng.randint(4_000, 64_000)
                body = (f"Interview notes, page {i}. " * (size // 24 + 1)).encode()[:size]
                att = add_attachment(s, actor(s, "case", centre), case_id, io.BytesIO(body), f"notes-{i}.txt")
                if i == 0:
                    first = {"case_id": case_id, "attachment_id": att.id, "bytes": size}
        progress.step(n)
    rates["files_per_s"] = progress.rate()
    return first


def _attachment_records(scale, rng, out, by_centre, users, rates):
    """The rest of the attachment records: a row with a sealed file name under its case's key,
    without a file (the bulk path: no upload, no audit record)."""
    from border_referral.cases.models import Attachment, Case
    from border_referral.cases.services import case_vault
    from border_referral.database import session_scope

    total = max(0, scale.attachment_records - scale.files)
    progress = Progress("attachment records", total, out)
    for start, n in _batches(total, scale.batch):
        with session_scope() as s:
            left = n
            while left:
                centre = rng.choice(CENTRES)
                case = s.get(Case, rng.choice(by_centre[centre])[0])
                vault = case_vault(s, case)
                for _ in range(min(left, rng.randint(1, 5))):
                    att = Attachment(case_id=case.id, uploaded_by_id=users[("case", centre)],
                                     content_type="application/pdf", size=rng.randint(20_000, 2_000_000))
                    vault.write(att, {"filename": f"scan-{rng.randrange(10**6)}.pdf"})
                    s.add(att)
                    left -= 1
        progress.step(n)
    rates["attachment_records_per_s"] = progress.rate()


def _referrals(scale, rng, out, actor, by_centre, rates):
    """Referrals in every state, in turn, from each centre to its partners."""
    from border_referral.database import session_scope
    from border_referral.referrals.services import create_referral, perform

    states = list(PATHS)
    progress = Progress("referrals", scale.referrals, out)
    for start, n in _batches(scale.referrals, min(scale.batch, 200)):
        with session_scope() as s:
            for i in range(start, start + n):
                sender = CENTRES[i % len(CENTRES)]
                receiver = PARTNERS[sender][(i // len(CENTRES)) % len(PARTNERS[sender])]
                case_id = by_centre[sender][(i // len(CENTRES)) % len(by_centre[sender])][0]
                r = create_referral(s, actor(s, "case", sender), {
                    "case_id": case_id, "to_centre": receiver, "purpose": "family_tracing",
                    "shared_fields": ["full_name", "sex", "nationality"],
                    "consent": {"given": True, "method": "written", "guardian": "Parent (made-up)"},
                    "legal_ground": "Consent of the person", "message": "Please trace the family."})
                for action in PATHS[states[i % len(states)]]:
                    side = receiver if action in RECEIVER_ACTIONS else sender
                    perform(s, actor(s, "case", side), r.id, action, {"reason": "No capacity this month"})
        progress.step(n)
    rates["referrals_per_s"] = progress.rate()


def _plans(scale, out, actor, by_centre, rates):
    """Repatriation plans (just created) for persons of the partner's nationality, one plan each."""
    from border_referral.database import session_scope
    from border_referral.repatriation.services import create_plan

    eligible = {c: [cid for cid, nat in by_centre[c] if nat == COUNTRY[HOME[c][0]]] for c in CENTRES}
    made, progress = 0, Progress("plans", scale.plans, out)
    for start, n in _batches(scale.plans, min(scale.batch, 200)):
        with session_scope() as s:
            for i in range(start, start + n):
                host = CENTRES[i % len(CENTRES)]
                k = i // len(CENTRES)
                if k >= len(eligible[host]):
                    continue
                home, crossing = HOME[host]
                create_plan(s, actor(s, "case", host), {"case_ids": [eligible[host][k]], "to_centre": home,
                                                         "crossing": crossing})
                made += 1
        progress.step(n)
    rates["plans_per_s"] = progress.rate()
    if made < scale.plans:
        out(f"  plans: only {made} (not enough cases of the partner's nationality)")


def _meetings(scale, out, actor, rates):
    from border_referral.database import session_scope
    from border_referral.meetings.services import create_meeting

    partnerships = [("CR-TL", "CR"), ("MS-MW", "MS"), ("CK-HX", "CK"), ("CR-TL-HX", "CR")]
    progress = Progress("meetings", scale.meetings, out)
    first = date(2024, 1, 8)
    for start, n in _batches(scale.meetings, 50):
        with session_scope() as s:
            for i in range(start, start + n):
                code, host = partnerships[i % len(partnerships)]
                day = first + timedelta(weeks=i // len(partnerships))
                create_meeting(s, actor(s, "secretariat", host), {
                    "partnership": code, "host": host, "starts_at": f"{day.isoformat()}T09:00",
                    "venue": "Meeting room 2"})
        progress.step(n)
    rates["meetings_per_s"] = progress.rate()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--name", default="sqlite", help="folder under build/bench/ (and PostgreSQL schema bench_<name>)")
    p.add_argument("--database-url", default=None, help="a postgresql+psycopg:// URL; SQLite when absent")
    for field in ("cases", "referrals", "plans", "meetings", "attachment_records", "files", "batch"):
        p.add_argument(f"--{field.replace('_', '-')}", type=int, default=None)
    args = p.parse_args(argv)
    scale = scale_from_env(**{k: getattr(args, k) for k in asdict(Scale())})
    generate(args.name, args.database_url, scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
