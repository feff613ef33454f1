"""Django settings, all driven by environment variables (see docs/deployment.md).

DANGJIAN_DEBUG=1 switches on development conveniences; production is the default, and
`manage.py check --deploy` is clean with DANGJIAN_SECRET_KEY and DANGJIAN_HTTPS=1 set.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url

from dangjian.core import cluster
from dangjian.core.filemodes import private_dir, private_sqlite, restrict_umask

# Before anything is written: the data files are the service's alone (0600 / 0700).
restrict_umask()

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("DANGJIAN_DATA_DIR", "var")).resolve()
private_dir(DATA_DIR, tighten=True)

DEBUG = env_bool("DANGJIAN_DEBUG")
TESTING = env_bool("DANGJIAN_TESTING") or "pytest" in sys.modules


def _secret_key() -> str:
    """Secret key from the environment, else a file under the data dir made once (0600)."""
    if key := os.environ.get("DANGJIAN_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h for h in os.environ.get("DANGJIAN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
if TESTING:
    ALLOWED_HOSTS.append("testserver")
# Reverse proxies whose X-Forwarded-For we believe (audit source addresses), e.g. "127.0.0.1".
TRUSTED_PROXIES = [p for p in os.environ.get("DANGJIAN_TRUSTED_PROXIES", "").split(",") if p]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DANGJIAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "django_tables2",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "treebeard",
    "axes",
    "dangjian.core",
    "dangjian.audit",
    "dangjian.accounts",
    "dangjian.orgs",
    "dangjian.members",
    "dangjian.activities",
    "dangjian.dues",
    "dangjian.recruitment",
    "dangjian.rules",
    "dangjian.assessments",
    "dangjian.honors",
    "dangjian.cases",
    "dangjian.integrity",
    "dangjian.training",
    "dangjian.volunteers",
    "dangjian.selfservice",
    "dangjian.reports",
    "dangjian.web",
    "dangjian.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dangjian.core.middleware.SecurityHeadersMiddleware",
    "dangjian.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dangjian.core.inputguard.RefuseNulMiddleware",
    "dangjian.accounts.middleware.SessionPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dangjian.urls"
WSGI_APPLICATION = "dangjian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dangjian.web.context_processors.navigation",
            ],
        },
    }
]

# SQLite under the data dir by default; DATABASE_URL selects PostgreSQL.
_sqlite_default = f"sqlite:///{DATA_DIR / 'dangjian.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _sqlite_default), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    private_sqlite(DATABASES["default"]["NAME"])  # SQLite would create it 0644
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }

# JIT compilation pays off for long analytic scans, not for this app's short queries: a
# misestimated attendee-pool query spent 2.7 s compiling and 25 ms running
# (docs/decisions/0006-postgresql-jit-off.md). DANGJIAN_PG_JIT=on restores it.
_pg = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if _pg and os.environ.get("DANGJIAN_PG_JIT", "off") != "on":
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_options["options"] = f"{_pg_options.get('options', '')} -c jit=off".strip()

# Several app servers (docs/scaling.md): metrics and reports may read from a streaming
# replica (DANGJIAN_REPLICA_URL, alias "replica", core.routers); sessions stay in the
# database unless DANGJIAN_SESSION_ENGINE puts them in the shared Redis of DANGJIAN_CACHE_URL.
_replica = cluster.replica_database(
    os.environ.get("DANGJIAN_REPLICA_URL", ""), DATABASES["default"], testing=TESTING
)
if _replica is not None:
    DATABASES["replica"] = _replica
# In tests the alias exists (a mirror) but reads go to it only where a test turns this on.
READ_REPLICA = "replica" if _replica is not None and not TESTING else None
DATABASE_ROUTERS = ["dangjian.core.routers.ReplicaRouter"]
CACHES = cluster.caches(os.environ.get("DANGJIAN_CACHE_URL", ""))
# The compliance roll-ups (rules/rollup.py): three small entries per unit and per subtree
# viewed, beyond the per-process cache's default of 300 entries (past it, a third is culled
# and pages judge again); with Redis, the same shared server.
CACHES["rollups"] = (
    {**CACHES["default"], "LOCATION": "rollups", "OPTIONS": {"MAX_ENTRIES": 20_000}}
    if CACHES["default"]["BACKEND"].endswith("LocMemCache")
    else dict(CACHES["default"])
)
# The 统计指标 values (reports/dashboards/values.py, decision 0021): one entry per user, scope,
# year and area — thousands with many users, past the per-process default of 300.
CACHES["metrics"] = (
    {**CACHES["default"], "LOCATION": "metrics", "OPTIONS": {"MAX_ENTRIES": 20_000}}
    if CACHES["default"]["BACKEND"].endswith("LocMemCache")
    else dict(CACHES["default"])
)
SESSION_ENGINE = cluster.session_engine(
    os.environ.get("DANGJIAN_SESSION_ENGINE", "db"),
    shared_cache=bool(os.environ.get("DANGJIAN_CACHE_URL")),
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Password policy (DESIGN §11): length, 3 of 4 classes, no reuse of the last 5, 90-day age.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "dangjian.accounts.validators.CharacterClassValidator"},
    {"NAME": "dangjian.accounts.validators.PasswordHistoryValidator"},
]
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("DANGJIAN_PASSWORD_MAX_AGE_DAYS", "90"))
PASSWORD_HISTORY_COUNT = 5
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dangjian.accounts.views.lockout_response"
AXES_VERBOSE = False
# Wrong second-factor codes count toward the same lockout (accounts/views_mfa.py); the typed
# code (a near miss of a recovery code) is masked in axes' records like the password.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]
# Lockout is per account (DESIGN §11), keyed on the username alone, so rotating the client
# (IP, user agent, cookies) cannot bypass it; axes' hint to add ip_address does not apply.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

SESSION_COOKIE_AGE = 12 * 3600
SESSION_IDLE_TIMEOUT = int(os.environ.get("DANGJIAN_IDLE_TIMEOUT", str(30 * 60)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

if env_bool("DANGJIAN_HTTPS"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if TESTING or DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# Production serves the collected, compressed copies (`dangjian serve` collects them when stale);
# development and tests find the files in the apps on each request.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_ROOT = DATA_DIR / "files"

# Field encryption key: DANGJIAN_FIELD_KEY, else DATA_DIR/field.key created once with 0600.
FIELD_KEY = os.environ.get("DANGJIAN_FIELD_KEY", "")
FIELD_KEY_FILE = DATA_DIR / "field.key"

# Audit chain (docs/deployment.md §4): HMAC key DANGJIAN_AUDIT_KEY, else DATA_DIR/audit.key
# created at set-up (0600); the chain head is checkpointed to an append-only file outside the
# database every AUDIT_CHECKPOINT_EVERY events, at shutdown and by `dangjian audit checkpoint`.
AUDIT_KEY = os.environ.get("DANGJIAN_AUDIT_KEY", "")
AUDIT_KEY_FILE = DATA_DIR / "audit.key"
AUDIT_ANCHOR_FILE = Path(
    os.environ.get("DANGJIAN_AUDIT_ANCHOR_FILE", DATA_DIR / "audit-anchor.log")
).resolve()
AUDIT_CHECKPOINT_EVERY = max(int(os.environ.get("DANGJIAN_AUDIT_CHECKPOINT_EVERY", "100")), 1)

REST_FRAMEWORK = {
    # Token first: DRF answers an anonymous request 401 (WWW-Authenticate) only when the
    # first authenticator names a scheme; session first would make it 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dangjian.accounts.authentication.PolicyTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["dangjian.core.permissions.ScopedPermission"],
    "DEFAULT_PAGINATION_CLASS": "dangjian.core.permissions.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "dangjian.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "党建工作平台 API",
    "DESCRIPTION": "Dangjian REST API. 所有列表按用户的组织范围过滤。",
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema maps every endpoint of the deployment: signed-in users only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation's 400/401/403/404 answers are documented (tests/test_api_fuzz.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "dangjian.core.openapi.document_errors",
    ],
    # Several models have a field called "status" or "kind"; name each enum after its
    # choices class (OrgKind is also the campaign's and framework's `target_kinds`).
    "ENUM_NAME_OVERRIDES": {
        "OrgStatusEnum": "dangjian.orgs.models.OrgStatus",
        "OrgKindEnum": "dangjian.orgs.models.OrgKind",
        "MemberStatusEnum": "dangjian.members.models.MemberStatus",
        "DuesCategoryEnum": "dangjian.dues.models.DuesCategory",
        "ParticipationStatusEnum": "dangjian.activities.models.ParticipationStatus",
        "CampaignStatusEnum": "dangjian.assessments.models.CampaignStatus",
        "AssessmentStatusEnum": "dangjian.assessments.models.AssessmentStatus",
        "RectificationStatusEnum": "dangjian.assessments.models.RectificationStatus",
        "FrameworkItemKindEnum": "dangjian.assessments.models.ItemKind",
        "RiskLevelEnum": "dangjian.integrity.models.RiskLevel",
        "RiskCategoryEnum": "dangjian.integrity.models.RiskCategory",
        "InstitutionKindEnum": "dangjian.integrity.models.InstitutionKind",
        "AwardLevelEnum": "dangjian.cases.models.AwardLevel",
        "HonorLevelEnum": "dangjian.honors.models.HonorLevel",
    },
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"
# Tabler's table look for every table that does not set its own attrs.
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-vcenter card-table table-striped"}

# Import limits (DESIGN §11): refuse oversized or zip-bomb workbooks before parsing.
IMPORT_MAX_FILE_BYTES = 10 * 1024 * 1024
IMPORT_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
IMPORT_MAX_ZIP_ENTRIES = 200
IMPORT_MAX_ROWS = 50_000

EMAIL_BACKEND = os.environ.get(
    "DANGJIAN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DANGJIAN_LOG_LEVEL", "WARNING")},
}
