"""Django settings, read from the environment and validated at start-up.

PARKGOV_DATABASE_URL   sqlite:///parkgov.db (default) or postgres://user:pass@host:port/name
PARKGOV_SECRET_KEY     required unless PARKGOV_DEBUG=1
PARKGOV_DEBUG          1 for development (default 1 until the web platform's production settings land)
PARKGOV_ALLOWED_HOSTS  comma-separated host names served (default 127.0.0.1,localhost)
PARKGOV_STATIC_ROOT    where collected static files go (default build/static)
"""

from pathlib import Path
import os

import dj_database_url

from parkgov.errors import ConfigError

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
        config["TEST"] = {"NAME": os.environ.get("PARKGOV_TEST_SQLITE", "")} if os.environ.get(
            "PARKGOV_TEST_SQLITE") else {}
    elif engine.endswith("postgresql") or engine.endswith("postgis"):
        config["ENGINE"] = "django.db.backends.postgresql"
    else:
        raise ConfigError(f"PARKGOV_DATABASE_URL 只支持 sqlite 与 postgres，收到：{url!r}")
    return config


DEBUG = os.environ.get("PARKGOV_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("PARKGOV_SECRET_KEY") or ("dev-only-insecure-key" if DEBUG else "")
if not SECRET_KEY:
    raise ConfigError("生产环境必须设置 PARKGOV_SECRET_KEY（或设置 PARKGOV_DEBUG=1 用于开发）")
ALLOWED_HOSTS = [h for h in os.environ.get("PARKGOV_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "parkgov.codes",
    "parkgov.audit",
    "parkgov.ledger",
    "parkgov.ingest",
    "parkgov.evaluation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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
            ],
        },
    },
]
WSGI_APPLICATION = "parkgov.wsgi.application"

DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("PARKGOV_STATIC_ROOT", BASE_DIR.parent / "build" / "static"))

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
