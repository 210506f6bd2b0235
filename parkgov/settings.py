"""Django settings, read from the environment and validated at start-up.

PARKGOV_DATABASE_URL   sqlite:///parkgov.db (default) or postgres://user:pass@host:port/name
PARKGOV_SECRET_KEY     the secret key (default: generated once into PARKGOV_SECRET_KEY_FILE)
PARKGOV_SECRET_KEY_FILE  where the generated key is kept, mode 0600 (default beside the SQLite file,
                       `parkgov.db.secret-key`; build/secret-key for PostgreSQL)
PARKGOV_DEBUG          1 for development only (default 0); `make demo` sets it
PARKGOV_SSL_REDIRECT   1 to redirect plain http to https (set it in production behind the HTTPS proxy; default 0)
PARKGOV_ALLOWED_HOSTS  comma-separated host names served (default 127.0.0.1,localhost)
PARKGOV_STATIC_ROOT    where collected static files go (default build/static)
PARKGOV_MEDIA_ROOT     where uploads and generated files go (default build/media)
PARKGOV_EVIDENCE_DIR   where evidence attachments of findings and cases are kept, never served by URL
                       (default PARKGOV_MEDIA_ROOT/evidence, so that backups include them)
PARKGOV_CACHE_DIR      where the map's parcel arrays are shared by the worker processes (default build/cache)
PARKGOV_UPLOAD_MAX_BYTES  largest accepted upload (default 50 MB)
PARKGOV_LOGIN_FAILURE_LIMIT  failed logins of one username from one address before lock-out (default 5)
PARKGOV_TRUSTED_PROXIES  comma-separated addresses or networks of reverse proxies whose X-Forwarded-For is
                       believed for the client address (default none: the connecting peer is the client)
PARKGOV_TILE_URL       base-map raster tile URL template for deployments that have one (default none)
PARKGOV_TASK_BACKEND   background-job backend (default django_tasks_db.DatabaseBackend)
PARKGOV_PG_BIN         folder of pg_dump/pg_restore for `parkgov backup`/`restore` (default: newest
                       /usr/lib/postgresql/*/bin, else the PATH)
PARKGOV_CONN_MAX_AGE   seconds a database connection is reused between requests (default 60)
PARKGOV_LOG_FORMAT     json (default: one JSON object per line on stdout) or text (one readable line, for
                       developers); docs/operations/service.md「日志」
PARKGOV_LOG_LEVEL      DEBUG, INFO (default), WARNING or ERROR; DEBUG adds the lines of /healthz and static files
"""

from pathlib import Path
from urllib.parse import urlsplit
import ipaddress
import os
import time

import dj_database_url

from parkgov.errors import ConfigError
from parkgov.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent


def _database_from_env() -> dict:
    url = os.environ.get("PARKGOV_DATABASE_URL", "sqlite:///parkgov.db")
    try:
        config = dj_database_url.parse(url)
    except Exception as exc:  # dj-database-url raises several types on a bad URL
        raise ConfigError(f"PARKGOV_DATABASE_URL 无法解析：{url!r}（{exc}）") from exc
    engine = config["ENGINE"]
    if engine.endswith("sqlite3"):
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
        }
        # a worker keeps its connection between requests: opening one (PRAGMAs, SQLite reading the schema) was
        # 7 % of a web worker's CPU under load (py-spy, bench/web_load.py)
        config["CONN_MAX_AGE"] = int(os.environ.get("PARKGOV_CONN_MAX_AGE", "60"))
        config["TEST"] = {"NAME": os.environ.get("PARKGOV_TEST_SQLITE", "")} if os.environ.get(
            "PARKGOV_TEST_SQLITE") else {}
    elif engine.endswith("postgresql") or engine.endswith("postgis"):
        config["ENGINE"] = "django.db.backends.postgresql"
        config["CONN_MAX_AGE"] = int(os.environ.get("PARKGOV_CONN_MAX_AGE", "60"))
        config["CONN_HEALTH_CHECKS"] = True
    else:
        raise ConfigError(f"PARKGOV_DATABASE_URL 只支持 sqlite 与 postgres，收到：{url!r}")
    return config


def _trusted_proxies_from_env() -> list:
    proxies = [p.strip() for p in os.environ.get("PARKGOV_TRUSTED_PROXIES", "").split(",") if p.strip()]
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError as exc:
            raise ConfigError(f"PARKGOV_TRUSTED_PROXIES 中的 {proxy!r} 不是 IP 地址或网段") from exc
    return proxies


def _secret_key_file(database: dict) -> Path:
    """Where the generated secret key is kept: PARKGOV_SECRET_KEY_FILE, else beside the SQLite file
    (`parkgov.db` → `parkgov.db.secret-key`), else (PostgreSQL, in-memory SQLite) under build/."""
    if os.environ.get("PARKGOV_SECRET_KEY_FILE"):
        return Path(os.environ["PARKGOV_SECRET_KEY_FILE"])
    name = str(database.get("NAME") or "")
    if database["ENGINE"].endswith("sqlite3") and name and name != ":memory:" and not name.startswith("file:"):
        return Path(name).resolve().parent / (Path(name).name + ".secret-key")
    return BASE_DIR.parent / "build" / "secret-key"


def _secret_key(path: Path) -> str:
    """The key in `path`, generated on first use and readable by its owner only (mode 0600). Several processes
    may start at once: the first creates the file (O_EXCL), the others read what it wrote."""
    from django.core.management.utils import get_random_secret_key

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise ConfigError(f"无法创建密钥文件 {path}（{exc.strerror}）；请设置 PARKGOV_SECRET_KEY_FILE") from exc
    else:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(get_random_secret_key())
    if path.stat().st_mode & 0o077:
        raise ConfigError(f"密钥文件 {path} 其他用户可读，请执行 chmod 600 {path}")
    for _attempt in range(50):  # a process that lost the O_EXCL race may read before the winner has written
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
        time.sleep(0.02)
    raise ConfigError(f"密钥文件 {path} 为空")


def _logging_from_env() -> dict:
    format = os.environ.get("PARKGOV_LOG_FORMAT", "json").strip().lower()
    level = os.environ.get("PARKGOV_LOG_LEVEL", "INFO").strip().upper()
    if format not in ("json", "text"):
        raise ConfigError(f"PARKGOV_LOG_FORMAT 只能是 json 或 text，收到：{format!r}")
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"PARKGOV_LOG_LEVEL 只能是 DEBUG、INFO、WARNING 或 ERROR，收到：{level!r}")
    return logging_config(format=format, level=level)


DATABASES = {"default": _database_from_env()}
DEBUG = os.environ.get("PARKGOV_DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("PARKGOV_SECRET_KEY") or _secret_key(_secret_key_file(DATABASES["default"]))
ALLOWED_HOSTS = [h for h in os.environ.get("PARKGOV_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "parkgov.web",  # first, so its templates (login, errors) take precedence
    "parkgov.accounts.admin_site.ParkgovAdminConfig",  # django.contrib.admin, open to data stewards only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "axes",
    "csp",
    "ninja",  # its Swagger UI from our own static files, not from a CDN (the zone's network may be offline)
    "django_htmx",
    "django_tables2",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "parkgov.codes",
    "parkgov.audit",
    "parkgov.ledger",
    "parkgov.ingest",
    "parkgov.evaluation",
    "parkgov.accounts",
    "parkgov.jobs",
    "parkgov.api",
    "parkgov.spatial",
    "parkgov.governance",
    "parkgov.supply",
    "parkgov.zones",
    "parkgov.appeals",
    "parkgov.reports",
]

MIDDLEWARE = [
    "parkgov.web.request_log.RequestLogMiddleware",  # first: its id and its line cover every response, static too
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "parkgov.web.middleware.ChosenLanguageMiddleware",  # cookie only, not Accept-Language (zh-hans default)
    "parkgov.web.middleware.RejectControlCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "parkgov.urls"
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
                "parkgov.web.context.navigation",
            ],
        },
    },
]
WSGI_APPLICATION = "parkgov.wsgi.application"
# Django's form renderer, with its plain input and select widgets written in Python (same HTML, tested)
FORM_RENDERER = "parkgov.web.form_renderer.FastWidgetRenderer"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A cache shared by the web workers and the job worker without another server: a table in the same database
# (created by the migration parkgov/web/migrations/0001_cache_table.py). The cockpit keeps its figures there.
# The map's generalised tiles are kept there too (up to 2,500 per user scope, most of them empty), hence more
# entries than Django's 300.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "parkgov_cache",
                      "OPTIONS": {"MAX_ENTRIES": 20000}}}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["parkgov.formats"]  # zh-hans figures grouped by three with commas (issue 13)
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend",
                           "parkgov.accounts.backends.ProfileBackend"]  # ModelBackend, profile in the same query
AXES_FAILURE_LIMIT = int(os.environ.get("PARKGOV_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_VERBOSE = False  # its lines name the lock-out parameters (username, address) only, not the browser too
# one lock per username *and* address: behind the zone's proxy a lock by address alone shut out every member of
# staff (issue 13); the address is the peer's, or X-Forwarded-For's only from PARKGOV_TRUSTED_PROXIES
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "parkgov.accounts.client_address.client_ip"
PARKGOV_TRUSTED_PROXIES = _trusted_proxies_from_env()
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:cockpit"
LOGOUT_REDIRECT_URL = "web:login"

SESSION_ENGINE = "parkgov.accounts.sessions"  # the db engine, its read written out once
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000  # sent on https responses only
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# plain http on the host itself (health checks, a proxy on the same machine) stays possible unless asked
SECURE_SSL_REDIRECT = os.environ.get("PARKGOV_SSL_REDIRECT", "0") == "1"
# the HSTS preload list is the domain owner's decision (it binds every subdomain for months), not ours
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]  # the proxy's and the monitor's health checks over plain http

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
PARKGOV_UPLOAD_MAX_BYTES = int(os.environ.get("PARKGOV_UPLOAD_MAX_BYTES", str(50 * 1024 * 1024)))
PARKGOV_MEDIA_ROOT = Path(os.environ.get("PARKGOV_MEDIA_ROOT", BASE_DIR.parent / "build" / "media"))
# Inside the media folder (never served by URL; only the scoped view reads it) so that `parkgov backup` keeps it.
PARKGOV_EVIDENCE_DIR = Path(os.environ.get("PARKGOV_EVIDENCE_DIR", PARKGOV_MEDIA_ROOT / "evidence"))
PARKGOV_CACHE_DIR = Path(os.environ.get("PARKGOV_CACHE_DIR", BASE_DIR.parent / "build" / "cache"))
PARKGOV_PG_BIN = os.environ.get("PARKGOV_PG_BIN", "")
PARKGOV_TILE_URL = os.environ.get("PARKGOV_TILE_URL", "")  # e.g. 天地图 with a key; empty = plain background


def _tile_origin() -> list:
    parts = urlsplit(PARKGOV_TILE_URL)
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme in ("http", "https") and parts.netloc else []


# Content-Security-Policy (django-csp): scripts, styles and fonts only from our own static files, no inline
# script or style="" (issue 13). Images and map data also from the configured base-map host; MapLibre starts its
# workers from blob: URLs and draws icons from data: URLs.
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:", *_tile_origin()],
    "connect-src": ["'self'", *_tile_origin()],
    "font-src": ["'self'", "data:"],
    "worker-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}}

TASKS = {"default": {"BACKEND": os.environ.get("PARKGOV_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}

WHITENOISE_USE_FINDERS = DEBUG
STATIC_URL = "static/"
NODE_MODULES = BASE_DIR.parent / "node_modules"
STATICFILES_DIRS = [
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/maplibre-gl", NODE_MODULES / "maplibre-gl" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
]
STATIC_ROOT = Path(os.environ.get("PARKGOV_STATIC_ROOT", BASE_DIR.parent / "build" / "static"))

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
LOGGING = _logging_from_env()  # issue 18 §5: parkgov/logs.py
