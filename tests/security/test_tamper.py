"""Issue 14, "Figures the tests print": tamper cases tried and accepted (0).

Someone with write access to the database (and not to the key ring) changes ciphertext: flips a
byte, cuts it short, moves it to another record or another field, points a record at another data
key, or changes a wrapped data key. Each change is made with plain SQL, the record is then read the
way the application reads it, and the read must be refused (IntegrityFailure or KeyUnavailable);
the original bytes are put back before the next case. It prints
`tamper cases: N tried, 0 accepted`.

Not in the table, by design: putting back an *older* ciphertext of the same field of the same record
(a rollback of one value) authenticates, as it would for any per-field AEAD; the audit log and the
backups are what show such a change."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest
from sqlalchemy import text

from border_referral.cases import services as cases
from border_referral.crypto.errors import IntegrityFailure, KeyUnavailable
from border_referral.database import session_scope
from border_referral.meetings import services as meetings
from border_referral.meetings.models import AgendaItem, Minutes
from tests.cases.conftest import make_case  # noqa: F401  (a fixture)
from tests.conftest import principal


@dataclass
class Tamper:
    name: str
    table: str
    column: str
    row: str                      # which record: "a" or "b" (the scene's two of each kind)
    change: Callable[[bytes, dict], bytes | str]


def flip(raw: bytes, _other) -> bytes:
    middle = len(raw) // 2
    return raw[:middle] + bytes([raw[middle] ^ 0x01]) + raw[middle + 1:]


def cut(raw: bytes, _other) -> bytes:
    return raw[:-1]


def drop_tag(raw: bytes, _other) -> bytes:
    return raw[:-16]


def from_other_row(raw: bytes, other: dict) -> bytes:
    return other["same_field_other_row"]


def from_other_field(raw: bytes, other: dict) -> bytes:
    return other["other_field_same_row"]


CASE_FIELDS = ("full_name", "narrative", "health")
TAMPERS = [
    *(Tamper(f"case {f} {how.__name__}", "case_file", f, "a", how)
      for f in CASE_FIELDS for how in (flip, cut, drop_tag, from_other_row, from_other_field)),
    Tamper("case pointed at the other case's data key", "case_file", "data_key_id", "a",
           lambda raw, other: other["same_field_other_row"]),
    Tamper("wrapped data key byte flipped", "data_key", "wrapped", "a", flip),
    Tamper("wrapped data key cut", "data_key", "wrapped", "a", cut),
    Tamper("data key moved to another centre", "data_key", "centre_code", "a", lambda raw, other: "TL"),
    *(Tamper(f"meeting {f} {how.__name__}", "meeting", f, "a", how)
      for f in ("venue", "chair_name") for how in (flip, cut, from_other_row, from_other_field)),
    *(Tamper(f"agenda item title {how.__name__}", "agenda_item", "title", "a", how)
      for how in (flip, from_other_row, from_other_field)),
    Tamper("minutes items cut", "meeting_minutes", "items", "a", cut),
    Tamper("minutes items from the other meeting", "meeting_minutes", "items", "a", from_other_row),
    Tamper("meeting pointed at the other meeting's key", "meeting", "key_id", "a",
           lambda raw, other: other["same_field_other_row"]),
]
OTHER_FIELD = {"full_name": "latin_name", "narrative": "found_place", "health": "narrative", "venue": "chair_name",
               "chair_name": "venue", "title": "description", "items": "recorder"}
ROW_KEY = {"meeting_minutes": "meeting_id"}


def _scene(app, make_case) -> dict:
    ids = {"case_file": [make_case(found_place="Mae Sai market"), make_case(full_name="Other Person")]}
    with app.test_request_context(), session_scope() as s:
        cr = principal(s, "secretariat", "CR")
        ids["meeting"], ids["agenda_item"] = [], []
        for venue in ("Hall A of the province", "Hall B of the province"):
            m = meetings.create_meeting(s, cr, {"partnership": "CR-TL", "starts_at": "2026-12-10T09:00",
                                                "venue": venue, "host": "CR", "chair": {"name": f"Chair of {venue}"}})
            item = meetings.propose_item(s, cr, m.id, {"title": f"Item at {venue}", "description": "About brokers",
                                                       "type": "decision"})
            meetings.decide_item(s, cr, item.id, "accept")
            meetings.close_agenda(s, cr, m.id)
            meetings.save_minutes(s, cr, m.id, {"recorder": "Recorder of the meeting", "items": {
                item.id: {"discussion": f"Talked at {venue}", "resolution": "Agreed"}}})
            ids["meeting"].append(m.id)
            ids["agenda_item"].append(item.id)
        ids["meeting_minutes"] = list(ids["meeting"])
        keys = [s.execute(text("SELECT data_key_id FROM case_file WHERE id = :id"), {"id": cid}).scalar_one()
                for cid in ids["case_file"]]
        ids["data_key"] = keys
    return ids


def _read(s, tamper: Tamper, ids: dict) -> None:
    """Read the tampered record as the application does (a fresh session: nothing cached)."""
    if tamper.table in ("case_file", "data_key"):
        cases.read_case(s, principal(s, "case", "CR"), ids["case_file"][0])
    elif tamper.table == "meeting":
        meetings.meeting_for(s, principal(s, "secretariat", "TL"), ids["meeting"][0])
    elif tamper.table == "agenda_item":
        s.get(AgendaItem, ids["agenda_item"][0])
    else:
        s.get(Minutes, ids["meeting"][0])


def _value(s, table: str, column: str, ident: str):
    key = ROW_KEY.get(table, "id")
    value = s.execute(text(f'SELECT "{column}" FROM {table} WHERE {key} = :id'), {"id": ident}).scalar_one()
    return bytes(value) if isinstance(value, (bytes, memoryview)) else value


def _set(s, table: str, column: str, ident: str, value) -> None:
    key = ROW_KEY.get(table, "id")
    s.execute(text(f'UPDATE {table} SET "{column}" = :v WHERE {key} = :id'), {"v": value, "id": ident})


def test_tampered_ciphertext_is_never_accepted(app, demo, make_case, capsys):
    ids = _scene(app, make_case)
    accepted = []
    for tamper in TAMPERS:
        a, b = ids[tamper.table]
        with app.test_request_context(), session_scope() as s:
            original = _value(s, tamper.table, tamper.column, a)
            other = {"same_field_other_row": _value(s, tamper.table, tamper.column, b)}
            if tamper.column in OTHER_FIELD:
                other["other_field_same_row"] = _value(s, tamper.table, OTHER_FIELD[tamper.column], a)
            changed = tamper.change(original, other)
            assert changed != original, tamper.name
            _set(s, tamper.table, tamper.column, a, changed)
        try:
            with app.test_request_context(), session_scope() as s:
                try:
                    _read(s, tamper, ids)
                except (IntegrityFailure, KeyUnavailable):
                    pass
                else:
                    accepted.append(tamper.name)
        finally:
            with app.test_request_context(), session_scope() as s:
                _set(s, tamper.table, tamper.column, a, original)
    with app.test_request_context(), session_scope() as s:   # everything put back reads again
        for t in TAMPERS:
            _read(s, t, ids)
    with capsys.disabled():
        print(f"\ntamper cases: {len(TAMPERS)} tried, {len(accepted)} accepted")
    assert accepted == []


@pytest.mark.parametrize("how", [flip, cut, from_other_row])
def test_a_tampered_meeting_text_is_an_error_page_not_a_blank(how, app, demo, make_case, signed_in):
    """The pages show the integrity error (and log it), never the meeting with a field missing."""
    ids = _scene(app, make_case)
    a, b = ids["agenda_item"]
    with app.test_request_context(), session_scope() as s:
        _set(s, "agenda_item", "title", a, how(_value(s, "agenda_item", "title", a),
                                               {"same_field_other_row": _value(s, "agenda_item", "title", b)}))
    r = signed_in("secretariat", "CR").get(f"/meetings/{ids['meeting'][0]}")
    html = r.get_data(as_text=True)
    assert r.status_code == 500 and "integrity_error" not in html and r.headers["X-Request-Id"] in html
    assert "Item at Hall" not in html and "Hall A of the province" not in html
