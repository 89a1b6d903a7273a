"""Users, roles, sign-in, API tokens and permission checks."""


def init_app(app) -> None:
    from ..database import get_session
    from ..extensions import login_manager
    from .services import load_principal

    login_manager.session_protection = "basic"
    login_manager.login_view = "auth.sign_in"

    @login_manager.user_loader
    def _load(session_id: str):
        return load_principal(get_session(), session_id)
