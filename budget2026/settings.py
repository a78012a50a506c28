"""Settings for the Budget 2026 AI measures site.

Every setting that differs between a laptop and production is read from the environment, with a
safe development default, so a fresh clone runs with no configuration at all:

- DEBUG          "1" for development (the default), "0" for production.
- SECRET_KEY     required when DEBUG is off.
- ALLOWED_HOSTS  comma-separated host names; defaults to localhost when DEBUG is on.
- DATABASE_URL   e.g. postgres://user@host:5432/name; without it, an SQLite file db.sqlite3.
- CACHE_URL      e.g. redis://127.0.0.1:6379/0; without it, an in-process memory cache.
- SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS  production HTTPS knobs (on / one year by default
  when DEBUG is off).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off, not {value!r}")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "budget2026.apps.KnowledgeBaseAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "simple_history",
    "csp",
    "corsheaders",
    "budget2026.apps.LoginThrottlingConfig",  # django-axes
    "measures",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "budget2026.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "budget2026.middleware.AdminLanguageMiddleware",
    "budget2026.middleware.RejectNulCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "budget2026.urls"
WSGI_APPLICATION = "budget2026.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "measures.context_processors.languages",
            ],
        },
    },
]

# Database: PostgreSQL in production via DATABASE_URL; an SQLite file otherwise.
if os.environ.get("DATABASE_URL"):
    try:
        DATABASES = {
            "default": dj_database_url.parse(
                os.environ["DATABASE_URL"],
                conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
                conn_health_checks=True,
            )
        }
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None
    # The data fits in memory (or on SSD), where reading a row by index costs little more than
    # reading it in sequence: PostgreSQL's default (4.0) is for spinning disks, and makes it
    # scan whole link tables where a few index lookups would do. Sent when connecting; empty
    # leaves the server's own value (a pooler such as PgBouncer may refuse the option).
    random_page_cost = os.environ.get("DATABASE_RANDOM_PAGE_COST", "1.1").strip()
    if random_page_cost and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        try:
            usable = 0 < float(random_page_cost) < 1e6
        except ValueError:
            usable = False
        if not usable:
            raise ImproperlyConfigured(
                f"DATABASE_RANDOM_PAGE_COST must be a number above 0, not {random_page_cost!r}"
            )
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "options", f"-c random_page_cost={random_page_cost}"
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Saves take the write lock when their transaction starts, and a second one waits up to
    # 20 s for it, instead of failing with "database is locked" when both have read first.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer fails a request after this long instead of holding it.
    connect_timeout = env_int("DATABASE_CONNECT_TIMEOUT", 5)
    if connect_timeout < 1:
        raise ImproperlyConfigured(
            f"DATABASE_CONNECT_TIMEOUT must be 1 or more seconds, not {connect_timeout}"
        )
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", connect_timeout)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Where the editors' admin lives (without the leading slash).
ADMIN_URL_PATH = "admin/"

# The time the list page may spend counting its facets, in milliseconds, on PostgreSQL: each
# facet's query gets what is left, and a facet that runs out shows its options without counts
# (as Datasette's facet time limit does). 0 counts every facet however long it takes.
FACET_TIME_BUDGET_MS = env_int("FACET_TIME_BUDGET_MS", 100)
if FACET_TIME_BUDGET_MS < 0:
    raise ImproperlyConfigured("FACET_TIME_BUDGET_MS must be 0 (no limit) or more")
# The filter indexes carry extra columns (INCLUDE) on PostgreSQL; SQLite builds them without,
# which is all a local copy of the data needs.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Redis on the same network answers in well under a millisecond; a page is rendered without
# the cache rather than wait longer than this for it.
REDIS_TIMEOUT_SECONDS = 0.25


def redis_cache(url, key_prefix="budget2026", retry_seconds=5):
    """The cache settings for Redis at ``url``: django-redis, forgiving every Redis error.

    A Redis error is logged and read as a miss (``IGNORE_EXCEPTIONS``); connecting and each
    answer are bounded by REDIS_TIMEOUT_SECONDS; after a connection error or a timeout the worker
    leaves Redis alone for ``retry_seconds`` (budget2026/cache.py).
    """
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": key_prefix,
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT_SECONDS,
            "SOCKET_TIMEOUT": REDIS_TIMEOUT_SECONDS,
            "IGNORE_EXCEPTIONS": True,
            "REDIS_CLIENT_CLASS": "budget2026.cache.BackingOffRedis",
            "REDIS_CLIENT_KWARGS": {"backoff_seconds": retry_seconds},
        },
    }


CACHE_RETRY_SECONDS = env_int("CACHE_RETRY_SECONDS", 5)
if CACHE_RETRY_SECONDS < 1:
    raise ImproperlyConfigured(f"CACHE_RETRY_SECONDS must be 1 or more, not {CACHE_RETRY_SECONDS}")
if os.environ.get("CACHE_URL"):
    CACHES = {
        "default": redis_cache(
            os.environ["CACHE_URL"],
            key_prefix=os.environ.get("CACHE_KEY_PREFIX", "budget2026"),
            retry_seconds=CACHE_RETRY_SECONDS,
        )
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "budget2026.cache"

# Public pages are cached whole, keyed on the data revision (see measures/caching.py); an
# edit makes the next request render afresh, so this only bounds how long unused pages stay.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 3600)
if PAGE_CACHE_SECONDS < 0:
    raise ImproperlyConfigured(f"PAGE_CACHE_SECONDS must be 0 or more, not {PAGE_CACHE_SECONDS}")

# A list's total and its facets' counts are kept per data revision the same way (see
# measures/listing/counts.py), for readers who page or sort the same filters; 0 keeps none.
COUNT_CACHE_SECONDS = env_int("COUNT_CACHE_SECONDS", 3600)
if COUNT_CACHE_SECONDS < 0:
    raise ImproperlyConfigured(f"COUNT_CACHE_SECONDS must be 0 or more, not {COUNT_CACHE_SECONDS}")

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed admin logins: after AXES_FAILURE_LIMIT failures from one address (whatever the user
# names), for one user name (whatever the addresses), or from the pair, logins are locked out for
# AXES_COOLOFF_HOURS.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "budget2026.login.recorded_username"
# Behind reverse proxies, each appending the address it saw to X-Forwarded-For, the client's
# address is that many entries from the right; with 0 (no proxy) the connection's own address is
# used and X-Forwarded-For ignored (budget2026/login.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}")
AXES_CLIENT_IP_CALLABLE = "budget2026.login.client_address"

# Internationalisation: Traditional Chinese is the source language and the default (no URL
# prefix); English lives under /en/.
LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Hong_Kong"
USE_I18N = True
USE_TZ = True

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "measures.api.schema.ApiAutoSchema",
}
SPECTACULAR_SETTINGS = {
    # Lazy: the schema is built in each language the site speaks (measures/api/schema.py).
    "TITLE": gettext_lazy("Budget 2026 AI measures API"),
    "DESCRIPTION": gettext_lazy(
        "Read-only open data on the AI measures in Hong Kong's 2026-27 Budget."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # In the order of the URL configuration and of the FilterSet (measures first, the search
    # box first), as the /api/ page lists them.
    "SORT_OPERATIONS": False,
    "SORT_OPERATION_PARAMETERS": False,
}

# Security headers. The Content-Security-Policy allows nothing inline: styles and scripts are
# files served from this site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# Browser features no page uses are turned off for every page and anything it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in [
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    ]
)
# The open data may be read by other sites' scripts: the read-only API and the downloads allow
# cross-origin GET from anywhere, without cookies. No other URL changes its origin rules.
CORS_URLS_REGEX = r"^/(en/)?(api/.*|measures\.(csv|json)|data/.*)$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False
# So that their scripts can ask again only if the data changed (If-None-Match).
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGIN_URL = "admin:login"
# Where a login goes when its "next" is missing or points off the site.
LOGIN_REDIRECT_URL = "admin:index"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"skip_while_resting": {"()": "budget2026.cache.SkipWhileResting"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"budget2026.cache": {"filters": ["skip_while_resting"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
