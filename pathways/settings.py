"""Settings for Pathways, driven entirely by environment variables.

The defaults run the embedded SQLite database for development and demos. Production sets
PATHWAYS_ENV=production, which turns on every transport and cookie protection and refuses to start
without a real secret key and field-encryption key.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from pathways.audit.keys import check_chain_keys

# Every environment variable is read through these, which stop the server with a message naming the
# variable when its value is malformed or unsafe.
from pathways.core.envsettings import (
    check_fernet_keys,
    check_hosts,
    check_meta_header,
    check_origins,
    check_secret_key,
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_path,
    env_str,
    log_level,
)

BASE_DIR = Path(__file__).resolve().parent.parent

PATHWAYS_ENV = env_choice("PATHWAYS_ENV", "development", ("development", "production"))
PRODUCTION = PATHWAYS_ENV == "production"

DEBUG = env_bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG cannot be on when PATHWAYS_ENV=production.")

# Demo mode seeds fictional people and lets `manage.py demo_code` print second-factor codes.
DEMO_MODE = env_bool("PATHWAYS_DEMO", default=not PRODUCTION)
if PRODUCTION and DEMO_MODE:
    raise ImproperlyConfigured("PATHWAYS_DEMO cannot be on when PATHWAYS_ENV=production.")

_DEV_SECRET = "development-only-secret-key-never-use-in-production-0123456789abcdef"  # noqa: S105
SECRET_KEY = check_secret_key(
    "SECRET_KEY",
    env_str("SECRET_KEY", None if PRODUCTION else _DEV_SECRET),
    production=PRODUCTION,
    development_value=_DEV_SECRET,
)

# Sealed fields are encrypted with these Fernet keys (comma-separated, newest first, so that a key can be
# rotated: new writes use the first, reads try each). Kept outside the database by design.
_DEV_FIELD_KEY = "ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMDAwMDA="
FIELD_ENCRYPTION_KEYS = check_fernet_keys(
    "FIELD_ENCRYPTION_KEYS", env_list("FIELD_ENCRYPTION_KEYS", "" if PRODUCTION else _DEV_FIELD_KEY)
)
if PRODUCTION and (not FIELD_ENCRYPTION_KEYS or _DEV_FIELD_KEY in FIELD_ENCRYPTION_KEYS):
    raise ImproperlyConfigured("Set FIELD_ENCRYPTION_KEYS to one or more Fernet keys in production.")

# The audit chain is signed (HMAC-SHA256) with these keys, ID:KEY pairs newest first (pathways.audit.keys).
# Like the field keys they are kept outside the database, so that its owner cannot re-sign what they change.
_DEV_AUDIT_KEY = "dev:ZGV2ZWxvcG1lbnQtb25seS1hdWRpdC1jaGFpbi1rZXk="
AUDIT_CHAIN_KEYS = check_chain_keys(
    "AUDIT_CHAIN_KEYS",
    env_list("AUDIT_CHAIN_KEYS", "" if PRODUCTION else _DEV_AUDIT_KEY),
    production=PRODUCTION,
    development_value=_DEV_AUDIT_KEY,
)

ALLOWED_HOSTS = check_hosts(
    "ALLOWED_HOSTS",
    env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"),
    production=PRODUCTION,
)
CSRF_TRUSTED_ORIGINS = check_origins(
    "CSRF_TRUSTED_ORIGINS", env_list("CSRF_TRUSTED_ORIGINS", ""), production=PRODUCTION
)
# Behind nginx on a socket, REMOTE_ADDR is empty; the proxy passes the client's address in this header
# (for example HTTP_X_REAL_IP). Leave empty when the server faces clients directly.
CLIENT_IP_HEADER = check_meta_header(
    "PATHWAYS_CLIENT_IP_HEADER", env_str("PATHWAYS_CLIENT_IP_HEADER", "").strip()
)
# The public self-referral form: a limit per address that refuses, and two marks past which referrals are
# still taken but flagged for checking (pathways.referrals.public.admit_self_referral says why).
SELF_REFERRALS_PER_ADDRESS_PER_HOUR = env_int("PATHWAYS_SELF_REFERRALS_PER_ADDRESS", 5, minimum=1)
SELF_REFERRALS_PER_NETWORK_PER_HOUR = env_int("PATHWAYS_SELF_REFERRALS_PER_NETWORK", 20, minimum=1)
SELF_REFERRALS_PER_HOUR = env_int("PATHWAYS_SELF_REFERRALS_PER_HOUR", 200, minimum=1)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "pathways.core",
    "pathways.accounts",
    "pathways.audit",
    "pathways.directory",
    "pathways.people",
    "pathways.referrals",
    "pathways.assessments",
    "pathways.police",
    "pathways.panels",
    "pathways.cases",
    "pathways.workforce",
    "pathways.standards",
    "pathways.work",
    "pathways.insights",
    "pathways.demo",
]

# What other apps know of people that changes triage (referrals.services.triage_case_facts and
# triage_cases): the police data's serial flag. Named here because triage sits below those apps in the layers.
TRIAGE_FACT_SOURCES = ["pathways.police.selectors.people_triage_facts"]
# What higher apps add to a service's directory page, as (template, context) or None: named here so that the
# directory need not import them.
SERVICE_PAGE_PARTS = ["pathways.standards.selectors.service_page_part"]
REFERRAL_STARTED = ["pathways.cases.services.case_open_from_referral"]
# What else happens when a case ends, each called as hook(case=, actor=, ending=) with the region's rules
# for that way of ending (pathways.cases.rulesfile.Ending): plan activities, follow-ups, a panel's review.
CASE_ENDED: list[str] = [
    "pathways.cases.services.plan.plan_case_ended",
    "pathways.cases.services.reviews.reviews_case_ended",
    "pathways.cases.services.sessions.sessions_case_ended",
]
# Called as hook(records=, actor=) with the police records an extract has just added, so that the layers
# above the police data (a case's alert) hear of them the same day.
POLICE_RECORDS_ADDED: list[str] = ["pathways.cases.services.alerts.alerts_police_records"]
# Called as hook(assessment=, actor=) when an assessment is completed, so that the layers above the
# assessments (the person's open case, which counts it at intake or during the work) hear of it.
ASSESSMENT_COMPLETED: list[str] = ["pathways.cases.services.assessment.case_assessment_completed"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # First, so that every audit entry a request writes, even a refused one's, has its client address.
    "pathways.audit.middleware.AuditContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "pathways.core.middleware.ResponseHardeningMiddleware",
    "pathways.core.unstorable.UnstorableInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "pathways.accounts.middleware.SessionLimitsMiddleware",
    # After the session's user, whom a bearer token on an API call replaces.
    "pathways.accounts.middleware.ApiTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "pathways.audit.middleware.ReadAuditMiddleware",
    "pathways.core.policy.PolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pathways.urls"
WSGI_APPLICATION = "pathways.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "pathways" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "pathways.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        "DATABASE_URL",
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'pathways.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE serialises writers, which the audit hash chain relies on; the timeout rides out contention.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME", "")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
# PBKDF2 rounds for each stored backup code (accounts/backup_codes.py): a guess costs this many hashes.
BACKUP_CODE_ITERATIONS = 100_000
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "pathways.accounts.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 64}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "insights:gap_map"

# Lockout is by username, so spreading guesses over many addresses does not help an attacker, and an
# unknown username locks exactly like a real one (no account enumeration).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for IP lockout too; many staff share one office address, where one person's typos
# would lock everyone out. Password rules and the second factor cover spraying instead (docs/adr/0003).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "pathways.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

OTP_TOTP_ISSUER = "Pathways"
OTP_TOTP_THROTTLE_FACTOR = 1

SESSION_IDLE_SECONDS = 30 * 60
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
# How stale the session's last-seen time may grow before a request writes it again: writing it on every
# request cost every page a database write, and a minute is nothing against a thirty-minute idle limit.
SESSION_TOUCH_SECONDS = 60
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "pathways.core.views.csrf_failure"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-pathways-session"
    CSRF_COOKIE_NAME = "__Host-pathways-csrf"
    LANGUAGE_COOKIE_SECURE = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("cy", _("Welsh"))]
LOCALE_PATHS = [BASE_DIR / "pathways" / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Only production serves collected files; development serves straight from the finders.
STATIC_ROOT = env_path("STATIC_ROOT", production=PRODUCTION) or (
    BASE_DIR / "staticfiles" if PRODUCTION else None
)
STATICFILES_DIRS = [BASE_DIR / "pathways" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "pathways.accounts.middleware.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["pathways.core.policy.ApiPolicyPermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "pathways.core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pathways API",
    "DESCRIPTION": (
        "Referrals with their triage, assessments, the service directory and the gap map of a region's "
        "services for people who use domestic abuse. Other agencies' systems call it as API clients with "
        "bearer tokens an administrator issues."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # A referral's route and a drafted service's routes are one choice set: one enum, under the name the
    # referral API gave it first.
    "ENUM_NAME_OVERRIDES": {"RouteEnum": "pathways.directory.choices.ReferralRoute"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": log_level("LOG_LEVEL", "WARNING")},
    # Request lines can carry query strings; we never put personal data there, but keep them out anyway.
    "loggers": {"django.server": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}
