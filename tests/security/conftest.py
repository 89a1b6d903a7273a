"""The world of the authorization matrix: one demo app per module, with one record of each kind at
Chiang Rai (CR, the signed-in users' own centre), Tachileik (TL, its partner) and Mae Sot (MS, not
related to CR), each carrying canary strings "Zq-canary-<kind>-<centre>" in its personal fields."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from border_referral.database import session_scope
from tests.conftest import Database, demo_email, make_app, principal

CENTRES = ("CR", "TL", "MS")
# Whom each centre refers to and repatriates to (a partner of its own), the home country's
# nationality and the crossing point. CR->TL is the pair the matrix is about; TL->HX and MS->MW are
# records of other centres that CR must never reach.
PARTNER = {"CR": ("TL", "MM", "MSI-TCL"), "TL": ("HX", "LA", None), "MS": ("MW", "MM", "MST-MWD")}
SOON = (date.today() + timedelta(days=10)).isoformat()


def canary(kind: str, centre: str) -> str:
    return f"Zq-canary-{kind}-{centre}"


class Client:
    """A test client calling the API with the bearer token of a demo user."""

    def __init__(self, app, token):
        self.client, self.headers = app.test_client(), {"Authorization": f"Bearer {token}"}

    def __getattr__(self, method):
        def call(path, **kw):
            return getattr(self.client, method)(path, headers={**self.headers, **kw.pop("headers", {})}, **kw)
        return call


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """(app, records, tokens): records[centre] maps URL argument names to the ids of that centre's
    records; tokens[(role, centre)] is a bearer token."""
    from border_referral.auth.services import create_token, user_by_email
    from border_referral.cases import services as cases
    from border_referral.demo import seed
    from border_referral.referrals import services as referrals
    from border_referral.repatriation import services as repatriation
    from border_referral.screening import services as screening

    database = Database(tmp_path_factory.mktemp("matrix-database"))
    app = make_app(database, tmp_path_factory.mktemp("matrix"))
    with app.app_context(), session_scope() as s:
        seed(s)

    tokens: dict[tuple[str, str], str] = {}

    def token(role, centre):
        if (role, centre) not in tokens:
            with app.app_context(), session_scope() as s:
                _t, tokens[(role, centre)] = create_token(s, None, user_by_email(s, demo_email(role, centre)).id, "matrix")
        return tokens[(role, centre)]

    def api(role, centre):
        return Client(app, token(role, centre))

    records: dict[str, dict[str, str]] = {c: {} for c in CENTRES}
    for c in CENTRES:
        home, nationality, crossing = PARTNER[c]
        r = records[c]
        with app.test_request_context(), session_scope() as s:
            actor = principal(s, "case", c)
            case = cases.create_case(s, actor, {
                "full_name": canary("name", c), "latin_name": canary("latin", c), "sex": "female",
                "nationality": nationality, "date_of_birth": "1995-01-01", "id_numbers": [f"ZQ{c}987654"],
                "narrative": canary("narrative", c), "exploitation_types": ["forced_labour"],
                "health": canary("health", c), "referral_source": "police",
                "home_address": {"village": canary("village", c), "district": "D", "province": "P"}})
            r["case_id"] = case.id
            cases.add_note(s, actor, case.id, canary("note", c))
            att = cases.add_attachment(s, actor, case.id, io.BytesIO(canary("file", c).encode()),
                                       f"{canary('filename', c)}.txt")
            r["attachment_id"] = att.id
            sc = screening.create_screening(s, actor, case.id, {
                "source": "labour_inspection", "prescreen_place": canary("place", c),
                "first_account": canary("account", c)})
            r["screening_id"] = sc.id
            ref = referrals.create_referral(s, actor, {
                "case_id": case.id, "to_centre": home, "purpose": "family_tracing",
                "shared_fields": ["full_name", "sex", "nationality"],
                "consent": {"given": True, "method": "written", "guardian": "Daw Aye (mother)"},
                "legal_ground": "Consent; MOU", "message": canary("message", c)})
            referrals.perform(s, actor, ref.id, "send", {})
            r["referral_id"] = ref.id
        # a second case, for the repatriation plan (kept apart from the referred one)
        with app.test_request_context(), session_scope() as s:
            actor = principal(s, "case", c)
            case2 = cases.create_case(s, actor, {
                "full_name": canary("returnee", c), "sex": "female", "nationality": nationality,
                "date_of_birth": "1995-01-01", "narrative": canary("narrative2", c)})
            plan = repatriation.create_plan(s, actor, {"case_ids": [case2.id], "to_centre": home,
                                                       **({"crossing": crossing} if crossing else {}),
                                                       "planned_date": SOON})
            r["plan_id"] = plan.id
        # a thread attachment on the referral, written by the sender
        resp = api("case", c).post(f"/api/v1/referrals/{r['referral_id']}/attachments",
                                   content_type="multipart/form-data",
                                   data={"file": (io.BytesIO(canary("reffile", c).encode()), "report.txt")})
        assert resp.status_code == 201, resp.get_json()
        r["ref_attachment_id"] = resp.get_json()["id"]
        with app.app_context(), session_scope() as s:
            r["user_id"] = user_by_email(s, demo_email("viewer", c)).id

    # meetings: CR-TL (CR's and TL's own), MS-MW (MS's); TL has no meeting without CR
    for c, partnership, starts in (("CR", "CR-TL", "2026-12-10T09:00:00+07:00"),
                                   ("MS", "MS-MW", "2026-12-11T09:00:00+07:00")):
        sec = api("secretariat", c)
        resp = sec.post("/api/v1/meetings", json={"partnership": partnership, "starts_at": starts,
                                                  "venue": canary("venue", c)})
        assert resp.status_code == 201, resp.get_json()
        mid = resp.get_json()["id"]
        resp = sec.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": canary("item", c), "type": "decision"})
        assert resp.status_code == 201, resp.get_json()
        records[c]["meeting_id"], records[c]["item_id"] = mid, resp.get_json()["id"]
    # partnership proposals: CR's (about CR-TL) and MS's (about MS-MW)
    for c, partnership, members in (("CR", "CR-TL", ["CR", "TL", "MW"]), ("MS", "MS-MW", ["MS", "MW", "CK"])):
        resp = api("admin", c).post(f"/api/v1/partnerships/{partnership}/proposals", json={"members": members})
        assert resp.status_code == 201, resp.get_json()
        records[c]["proposal_id"] = resp.get_json()["id"]

    yield app, records, token
    app.extensions["br_engine"].dispose()
    database.drop()
