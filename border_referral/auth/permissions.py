"""Who may do what. Services call these; views and templates only ask `can(...)` for display."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_login import UserMixin

from ..errors import PermissionDenied


@dataclass(frozen=True)
class Principal(UserMixin):
    """The signed-in person as services see them: identity, centre and roles."""

    id: str
    email: str
    display_name: str
    centre_id: int
    centre_code: str
    timezone: str
    locale: str | None
    session_nonce: str
    roles: frozenset = field(default_factory=frozenset)

    def get_id(self) -> str:  # Flask-Login: changes when the nonce changes, ending old sessions
        return f"{self.id}.{self.session_nonce}"

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def require_role(actor, *roles: str) -> None:
    if actor is None or not getattr(actor, "has_role", None) or not actor.has_role(*roles):
        raise PermissionDenied()


def require_same_centre(actor, centre_id: int) -> None:
    if actor.centre_id != centre_id:
        raise PermissionDenied()
