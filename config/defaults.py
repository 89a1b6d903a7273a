"""Default configuration. Every name here can be overridden by an environment variable of the
same name (read by border_referral/settings.py); values are parsed by the type of the default."""

# Where the instance lives (SQLite database, secret key, key ring, uploads). Relative paths are
# taken from the repository root. Env: BORDER_REFERRAL_INSTANCE.
BORDER_REFERRAL_INSTANCE = "instance"
# Key ring outside the database. Empty means "<instance>/keyring.json". Env: BORDER_REFERRAL_KEYRING.
BORDER_REFERRAL_KEYRING = ""

# Empty means a SQLite file in the instance folder; a postgresql+psycopg:// URL uses PostgreSQL.
DATABASE_URL = ""
# Rate-limit and sign-in counts are kept here when set (redis://host:port/db), shared by every
# gunicorn worker; empty: in each process's memory.
REDIS_URL = ""
SQLITE_BUSY_TIMEOUT_MS = 5000
# FULL: every commit reaches the disk before the answer (no acknowledged change or audited read is
# lost to a power cut). NORMAL: faster commits in WAL mode; the last commits before a power cut may be
# lost (the database is never corrupted). See docs/PERFORMANCE.md.
SQLITE_SYNCHRONOUS = "FULL"

LANGUAGES = ["th", "my", "lo", "en"]
BABEL_DEFAULT_LOCALE = "en"
BABEL_DEFAULT_TIMEZONE = "Asia/Bangkok"

# Sessions: expire after this many minutes without a request.
SESSION_IDLE_MINUTES = 30
# ... and in any case this many hours after signing in (an absolute lifetime).
SESSION_MAX_HOURS = 12
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# None: Secure is set whenever the request came over HTTPS (see web.py). True/False force it.
SESSION_COOKIE_SECURE = None
SESSION_COOKIE_NAME = "br_session"

# API tokens expire this many days after they are made (the owner chooses, up to TOKEN_MAX_DAYS).
TOKEN_DAYS = 90
TOKEN_MAX_DAYS = 365

# Passwords (argon2id). Parameters follow the argon2-cffi defaults (RFC 9106 low-memory profile).
PASSWORD_MIN_LENGTH = 12
ARGON2_TIME_COST = 3
ARGON2_MEMORY_COST = 65536
ARGON2_PARALLELISM = 4

# Sign-in throttling (auth/throttle.py): attempts per account, counted before the password is
# checked, in turn: a wait of 15 minutes after 5, of 2 hours after 10, of a day after 20; a correct
# password clears the count. An address is never locked, only rate-limited.
LOGIN_BACKOFF = "5 per 15 minutes; 10 per 2 hours; 20 per day"
LOGIN_RATE_PER_ADDRESS = "30 per minute"
# Where the counts live: Redis when REDIS_URL is set (shared by every worker), else memory.
RATELIMIT_KEY_PREFIX = "br"

# Attachments: at most this many bytes each (larger: 413); stored encrypted under
# ATTACHMENT_DIR (empty: "<instance>/attachments"). Request bodies may be a little larger than one
# attachment (form fields, multipart boundaries).
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENT_DIR = ""
MAX_CONTENT_LENGTH = 21 * 1024 * 1024
# Pictures are decoded (to drop EXIF/GPS) only up to this many pixels (40 MP: a 7,000 x 5,700
# photo), and each process decodes at most IMAGE_WORK_CONCURRENCY at once; an upload waits at most
# IMAGE_WORK_WAIT_SECONDS for its turn, then is refused with 503.
IMAGE_MAX_PIXELS = 40_000_000
IMAGE_WORK_CONCURRENCY = 2
IMAGE_WORK_WAIT_SECONDS = 30

# Trust X-Forwarded-* from this many proxies (0 when gunicorn faces clients directly).
PROXY_FIX_HOPS = 0

LOG_LEVEL = "INFO"

# Cross-border referrals: the partner must acknowledge within this many hours of sending, and
# answer (complete or decline) within the days of the purpose, counted from sending.
REFERRAL_ACK_HOURS = 48
REFERRAL_DAYS_FAMILY_TRACING = 30
REFERRAL_DAYS_NATIONALITY_VERIFICATION = 60
REFERRAL_DAYS_REPATRIATION = 30
REFERRAL_DAYS_SERVICE = 14
REFERRAL_DAYS_INFORMATION = 14
REFERRAL_DAYS_UPDATE = 7
# A completed or declined referral's package is destroyed (its key shredded) this many days
# after it closed, by `flask referrals purge` (run it from cron with `referrals escalate`).
REFERRAL_RETENTION_DAYS = 365
# The CTDC export (reports/services.py) releases only groups of at least this many records.
EXPORT_K = 11

# E-mail notifications (no personal data: only the reference and a link). Empty server: off.
MAIL_SERVER = ""
MAIL_PORT = 25
MAIL_USE_TLS = False
MAIL_USERNAME = ""
MAIL_PASSWORD = ""
MAIL_FROM = "border-referral@localhost"
# The address people use to reach this system (for links in e-mails).
PUBLIC_URL = "http://127.0.0.1:8000"

# Repatriation: the manifest of a group goes to the partner at least this many days before the
# handover (3 to 5 by practice); follow-up reports are due this many months after reception; a Lao
# transit centre keeps a returnee at most LAO_TRANSIT_MAX_DAYS.
REPATRIATION_MANIFEST_DAYS = 3
REPATRIATION_FOLLOW_UP_MONTHS = [1, 3, 6]
LAO_TRANSIT_MAX_DAYS = 7

# The audit log (README, "Audit log"): the chain's head is signed into a checkpoint every this many
# records (0: only by `flask audit checkpoint`, e.g. from cron), kept in the database and appended
# to this file outside it (empty: <instance>/audit-checkpoints.jsonl). Keep a copy of the file
# elsewhere or send it to a partner centre: `flask audit verify` then notices a log cut short.
AUDIT_CHECKPOINT_EVERY = 1000
AUDIT_CHECKPOINT_FILE = ""
