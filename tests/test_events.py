"""Events instead of imports (events.py): a later feature learns what happened in an earlier one by
subscribing, inside the same unit of work, so a receiver's refusal undoes the whole operation."""
from __future__ import annotations

import pytest

from border_referral import events
from border_referral.errors import ValidationError
from tests.referrals.conftest import body


@pytest.fixture
def case_id(api):
    return api("case", "CR").post("/api/v1/cases", json={"person": {"full_name": "Nang Aye", "sex": "female",
                                                                    "nationality": "MM"}}).json["id"]


def test_a_referral_action_is_announced_to_subscribers(api, case_id):
    heard = []

    def receiver(referral, *, session, action, actor):
        heard.append((referral.id, action))

    events.referral_changed.connect(receiver)
    try:
        cr = api("case", "CR")
        rid = cr.post("/api/v1/referrals", json=body(case_id)).json["id"]
        assert cr.post(f"/api/v1/referrals/{rid}/send").status_code == 200
        assert api("case", "TL").post(f"/api/v1/referrals/{rid}/acknowledge").status_code == 200
    finally:
        events.referral_changed.disconnect(receiver)
    assert heard == [(rid, "send"), (rid, "acknowledge")]


def test_a_subscriber_that_refuses_undoes_the_whole_operation(api, case_id):
    def refuse(referral, *, session, action, actor):
        raise ValidationError("refused by a later feature")

    cr = api("case", "CR")
    rid = cr.post("/api/v1/referrals", json=body(case_id)).json["id"]
    events.referral_changed.connect(refuse)
    try:
        r = cr.post(f"/api/v1/referrals/{rid}/send")
    finally:
        events.referral_changed.disconnect(refuse)
    assert r.status_code == 422
    assert cr.get(f"/api/v1/referrals/{rid}").json["state"] == "draft"
    assert api("case", "TL").get(f"/api/v1/referrals/{rid}").status_code == 404  # nothing reached the partner


def test_every_declared_signal_has_a_sender_in_the_code():
    """A signal declared and never sent would be a promise nobody keeps."""
    from pathlib import Path

    source = "\n".join(p.read_text(encoding="utf-8") for p in Path(events.__file__).parent.rglob("*.py"))
    for name in ("case_erased", "referral_changed", "handover_recorded", "agenda_closed"):
        assert f"events.{name}.send(" in source, name
