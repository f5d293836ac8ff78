"""Default settings. Override them in ``instance/config.py`` or with ``FLASK_*`` variables.

Every value here is safe for local development over plain HTTP; production hardening
(secure cookies, HSTS) is switched on by configuration, never guessed from debug mode.
"""

from datetime import timedelta

# Placeholder used only in debug and testing; create_app refuses to serve with it otherwise.
DEV_SECRET_KEY = "dev-only-insecure-secret-key"  # noqa: S105
SECRET_KEY = DEV_SECRET_KEY

# SQLite file in instance/ unless FLASK_SQLALCHEMY_DATABASE_URI names another database
# (production: postgresql+psycopg://user@host/dbname). None means "derive from instance path".
SQLALCHEMY_DATABASE_URI: str | None = None
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
SQLALCHEMY_RECORD_QUERIES = False

# Sessions: HttpOnly and SameSite=Lax always; Secure and HSTS once TLS is in front.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_SECURE = False
REMEMBER_COOKIE_DURATION = timedelta(days=30)
PERMANENT_SESSION_LIFETIME = timedelta(days=14)
HSTS_SECONDS = 0  # e.g. 31536000 behind TLS

# A CSRF token lives as long as the session: an afternoon spent writing a pitch must not expire it.
WTF_CSRF_TIME_LIMIT = None

# Request size limits: a post body is at most 32,000 characters, so 1 MiB is generous.
MAX_CONTENT_LENGTH = 1024 * 1024
MAX_FORM_MEMORY_SIZE = 512 * 1024
MAX_FORM_PARTS = 200

# Argon2id cost. None keeps argon2-cffi's defaults (RFC 9106 low-memory profile).
PASSWORD_HASH_TIME_COST: int | None = None
PASSWORD_HASH_MEMORY_COST: int | None = None
PASSWORD_HASH_PARALLELISM: int | None = None

BABEL_DEFAULT_LOCALE = "nl"
BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
LANGUAGES = ("nl", "en")

THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 20

# Moderation. A new account's first PREMODERATION_POSTS posts (threads and replies) wait in
# the review queue; 0 switches pre-moderation off (FLASK_PREMODERATION_POSTS overrides).
PREMODERATION_POSTS = 2
# A post flagged by this many different members is hidden at once, pending review.
FLAG_HIDE_THRESHOLD = 3
# Show the moderator's name in the public moderation log.
PUBLIC_LOG_SHOWS_MODERATOR = False
# Accounts still in pre-moderation may put at most this many links and mentions in a post.
PREMODERATION_MAX_LINKS = 2
PREMODERATION_MAX_MENTIONS = 2

# Rate limits (Flask-Limiter). Redis in production so that every gunicorn worker counts the
# same attempts: RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379".
RATELIMIT_ENABLED = True
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = True
