"""The signals features send and subscribe to (blinker, which Flask ships).

An earlier feature never imports a later one: when something happens that later features must react
to, the feature that owns it sends a signal, and the later features subscribe in their services
module. Receivers run inside the sender's unit of work (same session, same transaction), so a
refusal anywhere rolls the whole request back. Every signal is sent with the session as `session=`
and the record as the sender.

    case_erased          a Case, before its data key is destroyed (screenings, referrals, plans shred theirs)
    referral_changed     a Referral after an action (`action=` "send", "accept", ...; `actor=`)
    handover_recorded    a repatriation Plan after its handover was recorded (`actor=`)
    agenda_closed        a Meeting after its agenda was closed (`actor=`)
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

case_erased = _signals.signal("case-erased")
referral_changed = _signals.signal("referral-changed")
handover_recorded = _signals.signal("handover-recorded")
agenda_closed = _signals.signal("agenda-closed")
