"""Django settings. Every setting that differs between machines comes from the environment.

SQLite by default (`kaohe.sqlite3` in KAOHE_DATA_DIR); PostgreSQL with one variable:
DATABASE_URL=postgres://user:password@host:5432/kaohe. Production behind HTTPS: KAOHE_HTTPS=true
(secure cookies, redirect to https, HSTS) and KAOHE_SECRET_KEY; see docs/deploy.md.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from kaohe.ops.checks import DEVELOPMENT_SECRET_KEY

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return parse_bool(name, os.environ.get(name), default)


def parse_bool(name: str, value: object, default: bool) -> bool:
    """A yes/no setting written as text (true/false, 1/0, yes/no, on/off); empty means `default`."""
    if value is None or value == "":
        return default
    text = str(value).lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return [v.strip() for v in value.split(",") if v.strip()] if value else default


def env_int(name: str, default: int, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


DEBUG = env_bool("KAOHE_DEBUG", False)
# The one switch for production behind HTTPS (KAOHE_SECURE_COOKIES is its older name): secure
# cookies, redirect to https, HSTS, and no development secret key.
HTTPS = env_bool("KAOHE_HTTPS", env_bool("KAOHE_SECURE_COOKIES", False))
DATA_DIR = Path(os.environ.get("KAOHE_DATA_DIR", BASE_DIR.parent / "var"))
# Secrets come from the environment only. Rotating the key: put the new one in KAOHE_SECRET_KEY
# and the old one in KAOHE_SECRET_KEY_FALLBACKS (comma-separated) until old sessions have expired.
# The development key is published: `kaohe check --deploy` refuses it (kaohe.ops.checks).
SECRET_KEY = os.environ.get("KAOHE_SECRET_KEY", "")
SECRET_KEY_FALLBACKS = env_list("KAOHE_SECRET_KEY_FALLBACKS", [])
if not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    if not env_bool("KAOHE_ALLOW_DEV_SECRET", not HTTPS):
        raise ImproperlyConfigured(
            "KAOHE_SECRET_KEY must be set in production, to a key of your own (KAOHE_HTTPS=true or "
            "KAOHE_ALLOW_DEV_SECRET=false); make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env_list("KAOHE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("KAOHE_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "kaohe.accounts",
    "kaohe.orgs",
    "kaohe.schemes",
    "kaohe.cycles",
    "kaohe.audit",
    "kaohe.survey",
    "kaohe.results",
    "kaohe.claims",
    "kaohe.objections",
    "kaohe.ledger",
    "kaohe.notify",
    "kaohe.directory",
    "kaohe.api",
    "kaohe.ops",
    "kaohe.ops.axes_app.AxesConfig",  # django-axes, named in Chinese in the admin
]

MIDDLEWARE = [
    "kaohe.ops.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kaohe.web.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kaohe.web.request_limits.RequestLimitMiddleware",  # before anything reads a request's body
    "django.contrib.messages.middleware.MessageMiddleware",
    "kaohe.web.errors.ErrorPageMiddleware",  # an empty 4xx answer gets the site's page
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kaohe.audit.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out log-in into the lock-out page
]

ROOT_URLCONF = "kaohe.web.urls"
WSGI_APPLICATION = "kaohe.web.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
CSRF_FAILURE_VIEW = "kaohe.web.errors.csrf_failure"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kaohe.web.context_processors.text_limits",
            ],
            "builtins": ["kaohe.web.text"],  # {{ list|names }}: names joined in the reader's language
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'kaohe.sqlite3'}", conn_max_age=60, conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Server-side binding and prepared statements: psycopg prepares a statement the fifth time a
    # connection runs it, so a save's few statements are planned once per connection instead of
    # once per request (BENCHMARKS.md, issue 6). `?server_side_binding=false` in DATABASE_URL turns
    # them off, and server-side cursors too, for a PgBouncer in transaction mode (docs/deploy.md);
    # `?prepare_threshold=N` changes the count.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["server_side_binding"] = parse_bool("DATABASE_URL's server_side_binding",
                                                 _options.get("server_side_binding"), True)
    _options["prepare_threshold"] = int(_options.get("prepare_threshold", 5)) if _options["server_side_binding"] else None
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = not _options["server_side_binding"]
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # IMMEDIATE: a write transaction takes SQLite's lock when it starts, so two saves at once wait
    # for each other instead of failing with "database is locked" half-way.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out (username, address)
    "kaohe.notify.backends.UnreadCountBackend",  # Django's ModelBackend + the unread notifications
]
# Log-in throttling (django-axes, attempts kept in the database): after KAOHE_LOGIN_FAILURE_LIMIT
# failed log-ins for one username from one address, that pair is locked out for
# KAOHE_LOGIN_LOCKOUT_MINUTES; a successful log-in resets the count. `kaohe axes_reset` unlocks all.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = env_int("KAOHE_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("KAOHE_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "kaohe.ops.lockout.lockout_response"
# The address is REMOTE_ADDR, which TrustedProxyMiddleware sets from the reverse proxy's X-Real-IP.
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
# The survey's voting page (kaohe.survey.throttle): refused codes per client address within the
# window before that address is refused for a while. Raters behind one address share the count.
KAOHE_SURVEY_FAILURE_LIMIT = env_int("KAOHE_SURVEY_FAILURE_LIMIT", 100, minimum=1)
KAOHE_SURVEY_LOCKOUT_MINUTES = env_int("KAOHE_SURVEY_LOCKOUT_MINUTES", 10, minimum=1)
# Reverse proxies whose X-Real-IP header is trusted (comma-separated addresses), e.g. 127.0.0.1.
KAOHE_TRUSTED_PROXIES = env_list("KAOHE_TRUSTED_PROXIES", [])

# Django's hashers (the first one hashes every password a person types), and one for the passwords
# Kaohe generates (kaohe.accounts.hashers: re-hashed with the first at the user's first log-in).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "kaohe.accounts.hashers.GeneratedPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": env_int("KAOHE_PASSWORD_MIN_LENGTH", 10, minimum=1)}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Served from the installed packages by WhiteNoise; in production set KAOHE_STATIC_ROOT and run
# `kaohe collectstatic` so files are served from one folder with far-future cache headers.
STATIC_ROOT = os.environ.get("KAOHE_STATIC_ROOT") or None
STATICFILES_DIRS = [BASE_DIR / "web" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Request bodies, bounded by the application whatever serves it (kaohe.web.request_limits,
# docs/limits.md): a form or an API call's JSON at most KAOHE_MAX_FORM_BYTES; a scoring sheet or a
# scheme file at most MAX_UPLOAD_BYTES; evidence at most KAOHE_MAX_EVIDENCE_FILES_PER_REQUEST files
# and KAOHE_MAX_EVIDENCE_REQUEST_MB per request (each file also within its cycle's limit). Files
# are streamed to temporary files, never held in memory.
KAOHE_MAX_FORM_BYTES = env_int("KAOHE_MAX_FORM_KB", 1024, minimum=64) * 1024
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
KAOHE_MAX_EVIDENCE_REQUEST_MB = env_int("KAOHE_MAX_EVIDENCE_REQUEST_MB", 200, minimum=1)
KAOHE_MAX_EVIDENCE_FILES_PER_REQUEST = env_int("KAOHE_MAX_EVIDENCE_FILES_PER_REQUEST", 20, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = KAOHE_MAX_FORM_BYTES
FILE_UPLOAD_HANDLERS = ["kaohe.web.request_limits.BoundedUploadHandler"]  # counts, and spools to disk
# Evidence files (a unit's 台账), content-addressed: EVIDENCE_DIR/<sha256[:2]>/<sha256>. Never under
# STATIC or MEDIA URLs: they are served only by a view that checks who asks. Backups include them.
EVIDENCE_DIR = Path(os.environ.get("KAOHE_EVIDENCE_DIR", DATA_DIR / "evidence"))

# E-mail notifications (kaohe.notify): printed to the console until a mail server is configured.
# KAOHE_BASE_URL is the site's address as users reach it; mails end with a link built on it.
EMAIL_BACKEND = os.environ.get("KAOHE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("KAOHE_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("KAOHE_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = os.environ.get("KAOHE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("KAOHE_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("KAOHE_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10  # seconds: mails go out after the action commits, in its request
DEFAULT_FROM_EMAIL = os.environ.get("KAOHE_EMAIL_FROM", "kaohe@localhost")
KAOHE_BASE_URL = os.environ.get("KAOHE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Sessions end KAOHE_SESSION_HOURS after log-in, and when the browser closes.
SESSION_COOKIE_AGE = env_int("KAOHE_SESSION_HOURS", 8, minimum=1) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Behind HTTPS: plain http is redirected, and browsers are told to use https only (HSTS).
SECURE_SSL_REDIRECT = env_bool("KAOHE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("KAOHE_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("KAOHE_HSTS_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("KAOHE_HSTS_PRELOAD", False)
# The reverse proxy terminates TLS and says so in this header (nginx: X-Forwarded-Proto $scheme);
# it must overwrite any value the client sent. Empty: no proxy header is trusted.
_proxy_ssl_header = os.environ.get("KAOHE_PROXY_SSL_HEADER", "X-Forwarded-Proto" if HTTPS else "").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None)
# Joining the browsers' HSTS preload list is the domain owner's decision, not the application's.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KAOHE_LOG_LEVEL", "WARNING")},
}
