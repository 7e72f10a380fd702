"""Settings for the diplomacy register, read from the environment.

Variables: DATABASE_URL, DATABASE_REPLICA_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS,
REDIS_URL, CSRF_TRUSTED_ORIGINS, SECURE_SSL_REDIRECT. Each also accepts a
``NAME_FILE`` variant pointing at a file (for container secrets). A ``.env``
file beside manage.py (``make setup`` writes one with a SECRET_KEY for the
clone) adds the variables the environment does not set.
"""

import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str, load_env_file
from diplomacy.caching.settings import caches as register_caches
from diplomacy.caching.settings import release_fingerprint

BASE_DIR = Path(__file__).resolve().parent.parent
# The clone's own SECRET_KEY, so that manage.py runs as the README shows;
# without it (and without SECRET_KEY set) production still refuses to start.
load_env_file(BASE_DIR / ".env")

DEBUG = env_bool("DEBUG", default=False)

_DEV_SECRET = "django-insecure-local-development-key-not-for-production-use-0123456789"
SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django.contrib.syndication",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    "diplomacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "diplomacy.middleware.QueryStringGuardMiddleware",
    # 503 with a message when a query reaches DATABASE_STATEMENT_TIMEOUT.
    "diplomacy.middleware.QueryCanceledMiddleware",
    "csp.middleware.CSPMiddleware",
    # ETag on every page, feed and API response; 304 when the client has it.
    "django.middleware.http.ConditionalGetMiddleware",
    "diplomacy.caching.pages.AnonymousPageCacheMiddleware",
    "diplomacy.routers.PrimaryPinningMiddleware",
    # The data version, read before any data, from the database this request reads.
    "diplomacy.caching.version.RequestVersionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: locks out repeated failed logins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed logins for one username from one address lock it for an hour
# (admin login and the API token endpoint alike).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0)

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    # The public pages: Jinja2, which renders them faster than DTL.
    # First, so the views' template names ("diplomacy/treaty_list.html") are found here.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "diplomacy.jinja2_env.environment",
            "context_processors": ["django.template.context_processors.request"],
        },
    },
    # The admin, and the templates of installed apps (DRF, django-filter).
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# SQLite file by default so a fresh clone runs with no database server.
# DATABASE_POOL=1 (PostgreSQL) keeps a psycopg connection pool per process
# instead of one persistent connection per thread.
DATABASE_POOL = env_bool("DATABASE_POOL", default=False)
# Prepared statements on PostgreSQL (DATABASE_PREPARED_STATEMENTS=0 behind a
# pooler in transaction mode, such as PgBouncer's, which cannot keep them).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", default=True)
# Milliseconds any one statement of a web request may run on PostgreSQL (0: no
# limit), so that no request can hold a database backend for long; a query cut
# off answers 503 (diplomacy.middleware.QueryCanceledMiddleware). The CSV export
# lifts it for its stream (diplomacy.exports).
DATABASE_STATEMENT_TIMEOUT = env_int("DATABASE_STATEMENT_TIMEOUT", 5000)


def _running_management_command() -> bool:
    """``manage.py`` or ``django-admin`` running a command other than the development
    server: migrations, backups, restores and imports take as long as they need."""
    program = Path(sys.argv[0]) if sys.argv else Path()
    is_django_admin = program.name in {"manage.py", "django-admin"} or (
        program.name == "__main__.py" and program.parent.name == "django"
    )
    return is_django_admin and sys.argv[1:2] != ["runserver"]


def _database(url: str) -> dict:
    config = dj_database_url.parse(
        url,
        conn_max_age=0 if DATABASE_POOL else env_int("CONN_MAX_AGE", 60),
        conn_health_checks=not DATABASE_POOL,
    )
    if config["ENGINE"] == "django.db.backends.postgresql" and DATABASE_PREPARED_STATEMENTS:
        # Parameters sent apart from the SQL, so that each query shape is
        # planned once per connection and then run as a prepared statement:
        # PostgreSQL's planning was most of its time on a record page.
        options = config.setdefault("OPTIONS", {})
        options["server_side_binding"] = True
        options["prepare_threshold"] = env_int("DATABASE_PREPARE_THRESHOLD", 5)
    if config["ENGINE"] == "django.db.backends.postgresql" and DATABASE_STATEMENT_TIMEOUT > 0:
        # Sent when the connection opens (libpq's startup options): no query
        # per request. A pooler that refuses them (PgBouncer) runs with a
        # timeout of 0, which sends none. No JIT: it compiled a state's
        # partners query at a million treaties for 1.1 s, longer than the
        # query ran (0.7 s).
        startup = ["-c jit=off"]
        if not _running_management_command():
            startup.append(f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT}")
        options = config.setdefault("OPTIONS", {})
        options["options"] = " ".join(filter(None, [options.get("options"), *startup]))
    if DATABASE_POOL and config["ENGINE"] == "django.db.backends.postgresql":
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 2),
            "max_size": env_int("DATABASE_POOL_MAX", 10),
            "timeout": 10,
        }
    return config


DATABASES = {"default": _database(env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = _database(DATABASE_REPLICA_URL)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["diplomacy.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# The seed corpus (SPEC 3.7): manage.py load_seed
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Anonymous pages are served from the shared cache for this long (0 turns it
# off); any edit makes every cached page stale at once (diplomacy.caching).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600)


# Each release keeps its own cache keys: a deploy never serves what older code made.
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX") or release_fingerprint(BASE_DIR)
REDIS_URL = env_str("REDIS_URL")
# The shared cache (Redis, or this process's memory without REDIS_URL) and the
# per-process stores, with their sizes: diplomacy.caching.settings.
CACHES = register_caches(REDIS_URL, CACHE_KEY_PREFIX)

_ANON_RATE = env_str("API_ANON_RATE", "600/minute")
REST_FRAMEWORK = {
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["diplomacy.api.permissions.RegisterPermissions"],
    "DEFAULT_PAGINATION_CLASS": "diplomacy.api.pagination.KeysetPagination",
    "DEFAULT_SCHEMA_CLASS": "diplomacy.api.schema.RegisterAutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Anonymous clients share a budget per address, counted atomically in the
    # cache (Redis when REDIS_URL is set, so it holds across app servers).
    "DEFAULT_THROTTLE_CLASSES": ["diplomacy.api.throttling.AtomicAnonRateThrottle"],
    # The client's address is the socket's, or the one the last of
    # AXES_PROXY_COUNT proxies saw: a client-made X-Forwarded-For is no new budget.
    "NUM_PROXIES": AXES_IPWARE_PROXY_COUNT,
    # "none" turns throttling off (benchmarks; a proxy that limits rates itself).
    "DEFAULT_THROTTLE_RATES": {"anon": _ANON_RATE if _ANON_RATE.lower() != "none" else None},
    "PAGE_SIZE": 25,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Diplomacy Register API",
    "DESCRIPTION": (
        "Treaties, visits, projects and the relations of states, with their sources. "
        "Read-only for anonymous clients (published records only); writes need an account "
        "in the editors or publishers group. Filters are those of the public list pages."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DatePrecisionEnum": "diplomacy.choices.DatePrecision",
        "TreatyKindEnum": "diplomacy.choices.TreatyKind",
        "TreatyStatusEnum": "diplomacy.choices.TreatyStatus",
        "VisitKindEnum": "diplomacy.choices.VisitKind",
        "VisitLevelEnum": "diplomacy.choices.VisitLevel",
        "ProjectKindEnum": "diplomacy.choices.ProjectKind",
        "ProjectStatusEnum": "diplomacy.choices.ProjectStatus",
        "OrganizationKindEnum": "diplomacy.choices.OrganizationKind",
    },
}

# Security: strict whenever DEBUG is off. SECURE_SSL_REDIRECT can be turned off
# when TLS ends at a proxy that already redirects.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO" if not DEBUG else "DEBUG"},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        "ipware": {"level": "WARNING"},
    },
}

SIMPLE_HISTORY_REVERT_DISABLED = False

# No inline script or style on our pages: everything comes from our own origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Uploads (bulk import) are read in memory up to 2.5 MB, streamed to disk beyond;
# a request body may not exceed IMPORT_MAX_BYTES.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES
# Where the admin keeps an upload between its preview and its confirmation:
# every app server that may take the confirmation must see the same folder.
IMPORT_UPLOAD_DIR = env_str("IMPORT_UPLOAD_DIR")
# How long a preview can be confirmed; older uploads are swept.
IMPORT_PREVIEW_SECONDS = env_int("IMPORT_PREVIEW_SECONDS", 3600)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# Background jobs (large admin imports): django-tasks with its database
# backend, so the queue is a table of the register's own database (SQLite or
# PostgreSQL, no other service). `manage.py db_worker` runs them; `make run`
# and `make serve` start one beside the server.
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# An admin upload larger than this is checked and imported by the worker, with
# a progress page; a smaller one is previewed and imported in the request.
IMPORT_BACKGROUND_BYTES = env_int("IMPORT_BACKGROUND_BYTES", 1024 * 1024)
# On SQLite, the worker's import holds the write lock for the whole file: in
# write-ahead-log mode pages keep reading the last committed data meanwhile,
# instead of waiting for the lock and failing ("database is locked").
for _alias in DATABASES.values():
    if _alias["ENGINE"] == "django.db.backends.sqlite3":
        _alias.setdefault("OPTIONS", {}).setdefault("init_command", "PRAGMA journal_mode=WAL;")
