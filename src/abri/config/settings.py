"""Abri settings: everything configurable comes from `abri.config.env`."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from abri.config.env import env, private_file, private_folder, secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
# Names, phones and ID numbers live here (the SQLite file, staged imports, keys): Abri's account only.
DATA_DIR: Path = private_folder(env("ABRI_DATA_DIR"))

SECRET_KEY = secret_key(DATA_DIR)
ABRI_AUDIT_KEY = secret_key(DATA_DIR, "ABRI_AUDIT_KEY", "audit.key")
DEBUG: bool = env("DEBUG")
ALLOWED_HOSTS: list[str] = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS: list[str] = env("CSRF_TRUSTED_ORIGINS")

ABRI_APPS = [
    "abri.core",
    "abri.access",
    "abri.geo",
    "abri.registry",
    "abri.intake",
    "abri.dedup",
    "abri.stock",
    "abri.assistance",
    "abri.targeting",
    "abri.grievances",
    "abri.shelter",
    "abri.reporting",
    "abri.dashboard",
    "abri.synth",  # synthetic populations and the demo scenario (commands only, no models)
]

INSTALLED_APPS = [
    "abri.core.admin_config.AbriAdminConfig",  # the admin, with an optional second factor for staff
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",  # authenticator apps (TOTP) for administrators: `abri otp-setup`
    "axes",
    "ninja",  # serves the API docs' JavaScript locally instead of from a CDN (field networks)
    *ABRI_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "abri.core.middleware.SecurityHeadersMiddleware",
    "abri.core.middleware.AuditSourceMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files from STATIC_ROOT, filled by `abri serve`
    "django.contrib.sessions.middleware.SessionMiddleware",
    "abri.core.middleware.FrenchFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "abri.access.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "abri.config.urls"
WSGI_APPLICATION = "abri.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "abri.access.context_processors.access",
            ],
        },
    },
]

_database_url: str = env("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(private_file(DATA_DIR / "abri.sqlite3")),
            # WAL and a busy timeout let the web server and the job worker share the file.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
LOGIN_URL = "access:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "access:login"

# Lock an account for an hour after five failed logins from the same username and address.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The real client behind trusted proxies, and never the user's own known browser: abri/access/lockout.py.
ABRI_TRUSTED_PROXIES: list[str] = env("ABRI_TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "abri.core.client.client_ip"
AXES_WHITELIST_CALLABLE = "abri.access.lockout.is_known_device"
OTP_TOTP_ISSUER = "Abri"  # the name authenticator apps show beside the code

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Africa/Bamako"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise looks at it when the first request comes
# WhiteNoise serves STATIC_ROOT with gzip and Brotli copies made by collectstatic; the production
# profile adds hashed names (cached for a year). `abri serve` runs collectstatic before starting.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

ABRI_WEB_WORKERS: int = env("ABRI_WEB_WORKERS")
ABRI_SCHEDULE_HOUR: int = env("ABRI_SCHEDULE_HOUR")
# What `abri scheduler` runs once a day at ABRI_SCHEDULE_HOUR (local time), by command name.
# Each a command and its arguments. `audit verify` writes the chain's head into the scheduler's
# log every day: a log kept outside the database to compare the next heads with.
ABRI_SCHEDULED_COMMANDS = ["refresh-flags", "purge-partner-lists", "audit verify"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 10  # a working day in the field
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env("ABRI_TASKS_IMMEDIATE")
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

ABRI_IMPORT_MAX_BYTES: int = env("ABRI_IMPORT_MAX_MB") * 1024 * 1024
ABRI_IMPORT_MAX_UNCOMPRESSED_BYTES: int = env("ABRI_IMPORT_MAX_UNCOMPRESSED_MB") * 1024 * 1024
ABRI_IMPORT_MAX_COMPRESSION_RATIO: int = env("ABRI_IMPORT_MAX_COMPRESSION_RATIO")
ABRI_IMPORT_MAX_COLUMNS: int = env("ABRI_IMPORT_MAX_COLUMNS")
ABRI_IMPORT_MAX_ROWS: int = env("ABRI_IMPORT_MAX_ROWS")
ABRI_IMPORT_MAX_JSON_DEPTH: int = env("ABRI_IMPORT_MAX_JSON_DEPTH")
ABRI_LIST_RETENTION_DAYS: int = env("ABRI_LIST_RETENTION_DAYS")
ABRI_RETENTION_DAYS: int = env("ABRI_RETENTION_DAYS")
ABRI_BATCH_PAIRS_MAX_PEOPLE: int = env("ABRI_BATCH_PAIRS_MAX_PEOPLE")
ABRI_PHONE_REGION: str = env("ABRI_PHONE_REGION")
ABRI_AUDIT_VIEWS_PER_HOUR: int = env("ABRI_AUDIT_VIEWS_PER_HOUR")
ABRI_WORKING_HOURS: tuple[int, int] = env("ABRI_WORKING_HOURS")
ABRI_FIELD_KEY: str = env("ABRI_FIELD_KEY")
ABRI_FIELD_KEY_FILE: Path = Path(env("ABRI_FIELD_KEY_FILE") or DATA_DIR / "field.key")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"abri": {"handlers": ["console"], "level": env("ABRI_LOG_LEVEL"), "propagate": False}},
}

# The age groups of the 5W and the dashboards: the lower age of each group, from 0 (0–17, 18–59, 60+).
ABRI_REPORTING_AGE_GROUPS: tuple[int, ...] = (0, 18, 60)
# Counts below this of a sensitive group (people with disabilities) read "<5" in what leaves the organisation.
ABRI_REPORTING_SMALL_COUNT = 5
