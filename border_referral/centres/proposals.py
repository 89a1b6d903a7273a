"""Changing who is in a partnership: always a proposal, never one centre's decision.

A network administrator, or an administrator of a current member centre, proposes the new
membership (a network administrator's edit of a partnership's members becomes a proposal too, and a
new partnership starts without members until its centres have approved). It takes effect when an administrator of every centre concerned (the members before
and after the change) has approved it; one refusal stops it. The proposing administrator's centre
counts as approving. Taking centres out (the new members are some of the present ones) takes
effect at once: it only ever narrows who sees the partnership's work. Every step is audited."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from .. import audit, inputs
from ..errors import Conflict, NotFound, PermissionDenied, ValidationError
from ..util import is_id, utcnow
from .models import Centre, Partnership, PartnershipApproval, PartnershipProposal
from . import services
from .services import NETWORK_ADMIN, _flush, by_code, member_centres, members, set_members

ADMIN = "admin"


class ProposalStateConflict(Conflict):
    code = "illegal_state_change"
    default_message = _l("This is not possible in the proposal's present state.")


def _audit(session: Session, actor, action: str, proposal: PartnershipProposal, partnership: Partnership,
           **details) -> None:
    audit.record(session, actor, f"partnership_proposal.{action}", ("partnership_proposal", proposal.id),
                 {"partnership": partnership.code, "members": proposal.member_codes,
                  "previous": proposal.previous_codes, "state": proposal.state, **details})


def _apply(session: Session, actor, proposal: PartnershipProposal, partnership: Partnership) -> None:
    current = [c.code for c in members(session, partnership.id)]
    if current != proposal.previous_codes:  # changed by other means since it was proposed
        raise ProposalStateConflict()
    set_members(session, partnership, member_centres(session, proposal.member_codes))
    partnership.version += 1
    session.add(partnership)
    proposal.state, proposal.decided_at = "applied", utcnow()
    proposal.version += 1
    session.add(proposal)
    _flush(session)
    audit.record(session, actor, "partnership.update", ("partnership", partnership.code),
                 {"members": proposal.member_codes, "proposal": proposal.id})


def propose(session: Session, actor, partnership_code: str, data: dict) -> PartnershipProposal:
    partnership = by_code(session, Partnership, partnership_code)
    current = members(session, partnership.id)
    is_member_admin = actor.has_role(ADMIN) and any(c.id == actor.centre_id for c in current)
    if not (actor.has_role(NETWORK_ADMIN) or is_member_admin):
        raise PermissionDenied()
    found = member_centres(session, data.get("members"))
    new_codes, old_codes = [c.code for c in found], [c.code for c in current]
    if new_codes == old_codes:
        raise ValidationError(_l("The proposal does not change the membership."), field="members")
    pending = session.execute(select(PartnershipProposal.id).where(
        PartnershipProposal.partnership_id == partnership.id, PartnershipProposal.state == "pending")).first()
    if pending is not None:
        raise Conflict(_l("A change of this partnership is already waiting for approval."))
    # Proposing changes the partnership's version, so two proposals made at the same moment cannot
    # both pass the "one pending proposal at a time" check: the second is a conflict.
    partnership.version += 1
    session.add(partnership)
    _flush_or_conflict(session)
    proposal = PartnershipProposal(partnership_id=partnership.id, members=",".join(new_codes),
                                   previous_members=",".join(old_codes), proposed_by_id=actor.id,
                                   proposed_by_centre_id=actor.centre_id)
    session.add(proposal)
    _flush(session)
    _audit(session, actor, "create", proposal, partnership)
    if set(new_codes) < set(old_codes):  # only taking centres out: at once
        _apply(session, actor, proposal, partnership)
    elif is_member_admin:
        _answer(session, actor, proposal, partnership, "approved")
    return proposal


def _concerned_ids(session: Session, proposal: PartnershipProposal) -> set[int]:
    return set(session.execute(select(Centre.id).where(Centre.code.in_(proposal.concerned_codes))).scalars())


def _flush_or_conflict(session: Session) -> None:
    try:
        _flush(session)
    except IntegrityError:
        raise Conflict() from None


def get(session: Session, actor, proposal_id) -> PartnershipProposal:
    """A proposal the caller may see: network administrators see all, a centre's administrator
    those that concern their centre; any other is not found."""
    proposal = session.get(PartnershipProposal, proposal_id) if is_id(proposal_id) else None
    if proposal is None or not actor.has_role(ADMIN, NETWORK_ADMIN):
        raise NotFound()
    if not actor.has_role(NETWORK_ADMIN) and actor.centre_id not in _concerned_ids(session, proposal):
        raise NotFound()
    return proposal


def _answer(session: Session, actor, proposal: PartnershipProposal, partnership: Partnership, decision: str) -> None:
    # Every answer changes the proposal's version: of two answers given at the same moment (the last
    # two approvals, say) one is refused with a conflict and counted again when repeated, so a
    # proposal that everyone approved can never stay pending. Two administrators of one centre
    # answering at once: the second is a conflict too, never a 500.
    session.add(PartnershipApproval(proposal_id=proposal.id, centre_id=actor.centre_id, decision=decision,
                                    user_id=actor.id))
    proposal.version += 1
    if decision == "rejected":
        proposal.state, proposal.decided_at = "rejected", utcnow()
    session.add(proposal)
    _flush_or_conflict(session)
    _audit(session, actor, "approve" if decision == "approved" else "reject", proposal, partnership)
    if decision == "approved":
        approved = set(session.execute(select(PartnershipApproval.centre_id).where(
            PartnershipApproval.proposal_id == proposal.id, PartnershipApproval.decision == "approved")).scalars())
        if _concerned_ids(session, proposal) <= approved:
            _apply(session, actor, proposal, partnership)


def decide(session: Session, actor, proposal_id, decision: str) -> PartnershipProposal:
    """An administrator of a centre concerned approves ("approved") or refuses ("rejected")."""
    if decision not in ("approved", "rejected"):
        raise NotFound()
    proposal = get(session, actor, proposal_id)
    if not actor.has_role(ADMIN) or actor.centre_id not in _concerned_ids(session, proposal):
        raise PermissionDenied()  # a network administrator of another centre does not answer for it
    if proposal.state != "pending":
        raise ProposalStateConflict()
    earlier = session.get(PartnershipApproval, (proposal.id, actor.centre_id))
    if earlier is not None:
        if earlier.decision == decision:
            return proposal
        raise ProposalStateConflict()
    _answer(session, actor, proposal, session.get(Partnership, proposal.partnership_id), decision)
    return proposal


def for_actor(session: Session, actor, state: str | None = None) -> list[PartnershipProposal]:
    """The proposals that concern the caller's centre (all of them for a network administrator)."""
    if not actor.has_role(ADMIN, NETWORK_ADMIN):
        raise PermissionDenied()
    inputs.filters(state=state)
    q = select(PartnershipProposal).order_by(PartnershipProposal.created_at.desc())
    if state:
        q = q.where(PartnershipProposal.state == state)
    rows = session.execute(q).scalars().all()
    if actor.has_role(NETWORK_ADMIN):
        return rows
    return [p for p in rows if actor.centre_id in _concerned_ids(session, p)]


def answers(session: Session, proposal: PartnershipProposal) -> dict[str, str]:
    """centre code -> "approved" | "rejected", for the centres that have answered."""
    rows = session.execute(select(Centre.code, PartnershipApproval.decision)
                           .join(Centre, Centre.id == PartnershipApproval.centre_id)
                           .where(PartnershipApproval.proposal_id == proposal.id)).all()
    return {code: decision for code, decision in rows}


def awaiting(session: Session, actor, proposal: PartnershipProposal) -> bool:
    """Is the caller's centre still to answer this proposal?"""
    if proposal.state != "pending" or not actor.has_role(ADMIN):
        return False
    return actor.centre_code in proposal.concerned_codes and actor.centre_code not in answers(session, proposal)


def save_partnership(session: Session, actor, code: str | None, data: dict, version=None):
    """The network administrators' form for a partnership: names and active state are saved at once;
    a different list of members becomes a proposal (taking centres out applies at once, adding one
    waits for every centre concerned). Returns the proposal when one was made, else the partnership."""
    wanted = member_centres(session, data.get("members") or [])
    partnership = services.save_partnership(session, actor, code, data, version)
    if [c.code for c in wanted] == [c.code for c in members(session, partnership.id)]:
        return partnership
    return propose(session, actor, partnership.code, {"members": [c.code for c in wanted]})
