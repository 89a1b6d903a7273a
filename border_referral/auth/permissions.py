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
    roles: frozenset = field(default_factory=frozenset)
    # The secret of the signed-in browser's `user_session` row (None outside a web session: the API,
    # the command line, services' tests).
    session_id: str | None = None
    # The account has a confirmed TOTP second factor; it must have one (role or centre setting).
    two_factor: bool = False
    two_factor_required: bool = False

    def get_id(self) -> str:  # Flask-Login: `<user id>.<session id>`; an ended session row ends it
        return f"{self.id}.{self.session_id or ''}"

    @property
    def must_enrol(self) -> bool:
        """Signed in with the password but obliged to set up the second factor first: nothing but the
        enrolment page (and signing out) is reachable."""
        return self.two_factor_required and not self.two_factor

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def require_role(actor, *roles: str) -> None:
    if actor is None or not getattr(actor, "has_role", None) or not actor.has_role(*roles):
        raise PermissionDenied()


def require_same_centre(actor, centre_id: int) -> None:
    if actor.centre_id != centre_id:
        raise PermissionDenied()
