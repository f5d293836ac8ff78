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

# The authority in the Atom feeds' tag: ids (tag:forum071,2019:thread-12). Newsreaders know
# entries by these ids: set it once (e.g. to the site's domain) and never change it.
FEED_TAG_AUTHORITY = "forum071"

THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 20
# Search counts facets over, and ranks by relevance among, at most this many of the newest
# matching posts ("more than 5000 posts match"): a very common word stays cheap.
SEARCH_CANDIDATE_LIMIT = 5_000
# The same text by the same member in the same place (thread for a reply; theme and title for
# a new thread) within this many seconds is one post: a double click, with or without the
# form's one-time token. 0 switches the check off.
DUPLICATE_POST_WINDOW_SECONDS = 60

# Moderation. A new account's first PREMODERATION_POSTS posts (threads and replies) wait in
# the review queue; 0 switches pre-moderation off (FLASK_PREMODERATION_POSTS overrides).
PREMODERATION_POSTS = 2
# A post flagged by this many different members is hidden at once, pending review.
FLAG_HIDE_THRESHOLD = 3
# Items per page in each section of the review queue (waiting posts, flags, officials).
QUEUE_PER_PAGE = 20
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
# When Redis cannot be reached: fail open to per-process in-memory counters, log a WARNING.
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
RATELIMIT_SWALLOW_ERRORS = True
# The limits themselves (see forum071/ratelimits.py for what each one counts).
RATELIMIT_LOGIN = "10 per minute; 50 per hour"  # failed logins per IP address
# Failed logins per login name from one address, and per login name from all addresses (higher:
# it refuses the owner too, so it is only there to stop a guess spread over many addresses).
RATELIMIT_LOGIN_ACCOUNT = "5 per minute; 30 per hour"
RATELIMIT_LOGIN_ACCOUNT_TOTAL = "30 per minute; 200 per hour"
RATELIMIT_REGISTER = "10 per hour; 30 per day"  # accounts created per IP address
RATELIMIT_POSTS = "10 per minute; 100 per day"  # threads and replies per member
RATELIMIT_FLAGS = "20 per hour"  # flags per member
RATELIMIT_SEARCH_ANONYMOUS = "30 per minute"  # searches (page and API) per IP, not logged in
# Behind a reverse proxy every request comes from the proxy's address, so per-IP limits would
# count all visitors together: set this to the number of proxies in front (1 for one nginx)
# and the client's address is taken from X-Forwarded-For. 0 trusts no such header.
PROXY_FIX_X_FOR = 0
# The same for the scheme: behind a proxy that ends TLS, set it to 1 and X-Forwarded-Proto
# makes the absolute addresses in feeds and the API https://.
PROXY_FIX_X_PROTO = 0
# The host names this forum answers to (Flask's TRUSTED_HOSTS, e.g. '["forum071.nl"]'): a
# request naming another Host gets a 400, so no absolute address is built from a forged Host
# header. None accepts any host (development); set it in production.
TRUSTED_HOSTS: list[str] | None = None
# The site's address, e.g. "https://forum071.example.nl": absolute links (feeds, the API, a
# page's feed link, and later mails) start with it whatever Host a request names. None
# builds them from the request (development).
SITE_URL: str | None = None

# Pages for visitors who are not logged in are kept per worker (this many) and reused until
# the next write; 0 switches the cache off. The seconds bound how long an entry may live in
# case the database is written around the app.
ANONYMOUS_PAGE_CACHE_ENTRIES = 500
ANONYMOUS_PAGE_CACHE_SECONDS = 60
# Rendered thread list rows and posts are kept per worker, keyed by what they are made of
# (fragments.py), up to this many characters in all (about as many bytes for mostly Latin
# text); 0 renders every piece every time.
FRAGMENT_CACHE_CHARACTERS = 32_000_000

# Outgoing mail (forum071/mail/), with the names Flask's mail extensions use. No MAIL_SERVER:
# mails are written as .eml files to MAIL_DIRECTORY (instance/mail/ when None) instead.
MAIL_SERVER: str | None = None
MAIL_PORT = 25
MAIL_USE_TLS = False  # STARTTLS on MAIL_PORT (usually 587)
MAIL_USE_SSL = False  # TLS from the start (usually port 465)
MAIL_USERNAME: str | None = None
MAIL_PASSWORD: str | None = None
MAIL_DEFAULT_SENDER = "Forum071 <noreply@localhost>"
MAIL_DIRECTORY: str | None = None
# Seconds to wait for the mail server before the attempt counts as failed.
MAIL_TIMEOUT_SECONDS = 30
# A failed attempt is tried again after this many seconds, doubling each time, up to the
# maximum; nothing is dropped except for an address the server refuses for good (5xx).
MAIL_RETRY_SECONDS = 60
MAIL_RETRY_MAX_SECONDS = 3600
# How long a worker may hold a mail it took before another worker may take it.
MAIL_CLAIM_SECONDS = 300
# The worker's job queue (Huey): None keeps it in instance/jobs.sqlite (no server needed);
# production: "redis://127.0.0.1:6379/1". Jobs only nudge the worker: the outbox table is
# what gets sent, so a lost job loses no mail.
JOB_QUEUE_URL: str | None = None

# A password reset link works this long, once, and only until the password changes.
PASSWORD_RESET_MAX_AGE_SECONDS = 3600
# Password reset requests: per IP address, and per login name (as typed) from all addresses.
RATELIMIT_RESET = "10 per hour; 30 per day"
RATELIMIT_RESET_ACCOUNT = "3 per hour; 10 per day"

# A confirmation link (mailed at registration) works this long, once.
CONFIRM_EMAIL_MAX_AGE_SECONDS = 48 * 3600
# "Send the link again": per member.
RATELIMIT_CONFIRM_RESEND = "3 per hour; 10 per day"

# The privacy statement (/privacy) names who is responsible for the members' data (the
# controller, in the AVG/GDPR's words) and where to ask about it.
PRIVACY_CONTROLLER_NAME = "Economie071"
# Set the postal address in production; the default names only the region.
PRIVACY_CONTROLLER_ADDRESS = "Leiden"
PRIVACY_CONTACT_EMAIL = "privacy@economie071.nl"
