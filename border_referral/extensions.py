"""Flask extensions, created unbound; create_app binds them."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
# Rate limits (auth/throttle.py, the sign-in form): storage from RATELIMIT_STORAGE_URI, which
# create_app sets to REDIS_URL when there is one (shared by every worker), else memory.
limiter = Limiter(key_func=get_remote_address, strategy="moving-window", headers_enabled=False)
