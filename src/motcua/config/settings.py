"""Motcua settings: every setting is read from the environment, with a default that runs locally.

The full list, with meanings and defaults, is in docs/operations.md ("Settings").
"""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/motcua
PROJECT_DIR = PACKAGE_DIR.parent.parent  # the checkout


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# --- Environment ----------------------------------------------------------------------------
# MOTCUA_ENV: "development" (default), "test" or "production". Production refuses insecure settings.
# Under pytest the default is "test" (pytest-django imports the settings before any conftest), so
# that running pytest directly never talks to the development stand-ins.
MOTCUA_ENV = env("MOTCUA_ENV", "test" if "pytest" in sys.modules else "development")
DEVELOPMENT_SECRET_KEY = "motcua-development-key-not-for-production"
SECRET_KEY = env("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
DEBUG = env_bool("DEBUG", MOTCUA_ENV == "development")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Where SQLite, uploaded files and collected static files live by default.
DATA_DIR = Path(env("MOTCUA_DATA_DIR", str(PROJECT_DIR / "var")))

if MOTCUA_ENV == "production":
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "MOTCUA_ENV=production needs SECRET_KEY set to a random value of 32+ characters."
        )
    if DEBUG:
        raise ImproperlyConfigured("MOTCUA_ENV=production refuses to start with DEBUG on.")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Applications ---------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves the API docs' assets locally instead of from a CDN
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_tasks_db",
    "motcua.core",
    "motcua.accounts",
    "motcua.catalog",
    "motcua.dossiers",
    "motcua.payments",
    "motcua.results",
    "motcua.notifications",
    "motcua.feedback",
    "motcua.monitoring",
    "motcua.reports",
    "motcua.integrations",
    "motcua.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "motcua.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # LocaleMiddleware without Accept-Language: Vietnamese unless the visitor chose English.
    "motcua.portal.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Staff with two-factor on are sent to the code page until they enter it.
    "motcua.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "motcua.core.middleware.NulCharacterGuardMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "motcua.core.middleware.DomainErrorMiddleware",
    # Last, as django-axes asks: it turns lockouts into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "motcua.config.urls"
WSGI_APPLICATION = "motcua.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "motcua.core.context_processors.site",
                "motcua.portal.context_processors.footer",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL: sqlite:///path (default: var/motcua.sqlite3) or postgres://user:pass@host:port/db
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'motcua.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while the worker writes; IMMEDIATE makes a writer take the
    # lock at BEGIN, so two writers queue instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_SQLITE_NAME", "") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
# CACHE_URL: empty (default) keeps a per-process memory cache; redis://host:6379/1 shares one
# cache between web nodes and workers (rate limits, cached pages).
CACHE_URL = env("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL.startswith(("redis://", "rediss://", "unix://"))
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Rate limits (core/ratelimit.py) count in this cache: with several web nodes set CACHE_URL,
# or each node counts alone. RATELIMIT_ENABLED=false turns every limit off (benchmarks only).
RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
# Public dossier lookup (/tra-cuu/, /api/v1/lookup): lookups per client IP ("count/period",
# period s, m, h or d), and wrong code+phone attempts per dossier code before it is refused.
LOOKUP_RATE_LIMITS = env_list("LOOKUP_RATE_LIMITS", "10/m,100/d")
LOOKUP_CODE_FAILURE_LIMIT = env("LOOKUP_CODE_FAILURE_LIMIT", "5/h")

# --- Background tasks -----------------------------------------------------------------------
# django-tasks-db keeps the queue in the database: a task enqueued inside a transaction is
# committed (or rolled back) with it. Run workers with `motcua db_worker`.
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "notifications", "integrations", "reports"],
    }
}
# Seconds after which /healthz reports the worker as missing when queued tasks wait longer.
WORKER_STALE_AFTER_SECONDS = env_int("WORKER_STALE_AFTER_SECONDS", 300)

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "motcua.accounts.backends.EmailOrPhoneBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        # Django's own, with the Vietnamese message its catalogue lacks.
        "NAME": "motcua.accounts.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-axes: lock a username+IP pair out after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
# The lockout answer: the page above, or the API's error shape under /api/.
AXES_LOCKOUT_CALLABLE = "motcua.accounts.lockout.lockout_response"
AXES_ENABLED = env_bool("AXES_ENABLED", True)

OTP_TOTP_ISSUER = "Motcua"
# Lifetime of API bearer tokens from POST /api/v1/auth/token.
API_TOKEN_TTL_SECONDS = env_int("API_TOKEN_TTL_SECONDS", 3600)
# Lifetime of one-time codes sent to verify an e-mail or phone number.
VERIFICATION_CODE_TTL_SECONDS = env_int("VERIFICATION_CODE_TTL_SECONDS", 600)
# Seconds before another code may be sent to the same address (at most 5 codes an hour).
VERIFICATION_CODE_RESEND_SECONDS = env_int("VERIFICATION_CODE_RESEND_SECONDS", 60)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# Day-first dates (23/11/2026) in forms and pages; Django's own vi locale has no input formats.
FORMAT_MODULE_PATH = ["motcua.config.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(DATA_DIR / "static")))
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(DATA_DIR / "media")))
# STORAGE_BACKEND: a storage class; default local files under MEDIA_ROOT. For S3-compatible
# object storage install django-storages and set storages.backends.s3.S3Storage (see docs).
STORAGES = {
    "default": {
        "BACKEND": env("STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if MOTCUA_ENV == "production"
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}
if STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
    STORAGES["default"]["OPTIONS"] = {"location": str(MEDIA_ROOT)}
WHITENOISE_USE_FINDERS = MOTCUA_ENV != "production"
if WHITENOISE_USE_FINDERS:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Limits on a dossier's attachments, in megabytes: each file, and all files of one dossier.
DOSSIER_MAX_FILE_MB = env_int("DOSSIER_MAX_FILE_MB", 20)
DOSSIER_MAX_TOTAL_MB = env_int("DOSSIER_MAX_TOTAL_MB", 100)

# --- Content Security Policy (Django's built-in) --------------------------------------------
# Everything is served from this origin: no CDN, no inline script.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
# A refused form (expired or missing CSRF token) gets a page in Vietnamese that says what to do.
CSRF_FAILURE_VIEW = "motcua.portal.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- E-mail ---------------------------------------------------------------------------------
# EMAIL_BACKEND: "console" (default in development: messages are printed), "smtp" (default
# otherwise), "locmem" (tests) or a backend class path.
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_email_backend = env("EMAIL_BACKEND", "console" if MOTCUA_ENV == "development" else "smtp")
_email_backend = _EMAIL_BACKENDS.get(_email_backend, _email_backend)
MAILERS = {"default": {"BACKEND": _email_backend}}
if _email_backend.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env("EMAIL_HOST_USER", ""),
        "password": env("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "timeout": env_int("EMAIL_TIMEOUT", 20),
    }
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Motcua <no-reply@motcua.local>")

# --- SMS gateway ----------------------------------------------------------------------------
# An HTTP SMS gateway (brand-name SMS): the URL messages are POSTed to. Empty URL: messages are
# written to the log instead. In development the default is the local stand-in
# (`python -m motcua.notifications.sms_standin`, started by scripts/serve).
_sms_standin = MOTCUA_ENV == "development"
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", "http://127.0.0.1:8020/messages" if _sms_standin else "")
SMS_GATEWAY_USERNAME = env("SMS_GATEWAY_USERNAME", "motcua" if _sms_standin else "")
SMS_GATEWAY_PASSWORD = env("SMS_GATEWAY_PASSWORD", "motcua-sms-standin" if _sms_standin else "")
SMS_SENDER_NAME = env("SMS_SENDER_NAME", "MOTCUA")
SMS_GATEWAY_TIMEOUT_SECONDS = env_int("SMS_GATEWAY_TIMEOUT_SECONDS", 10)
# The gateway's inbound callback (POST /api/v1/sms/inbound) proves itself with this secret: an
# X-Signature header holding the hex HMAC-SHA256 of the body. Empty: inbound SMS are refused.
SMS_INBOUND_SECRET = env("SMS_INBOUND_SECRET", "motcua-sms-inbound-secret" if _sms_standin else "")
# Inbound texts per sender phone number (core/ratelimit.py rates, comma-separated).
SMS_INBOUND_RATES = env_list("SMS_INBOUND_RATES", "5/m,30/d")

# --- Zalo Official Account ------------------------------------------------------------------
# The OA's message API (notifications/channels.py HttpZaloChannel): messages are POSTed with the
# OA's access token in the `access_token` header. Empty URL: applicants are not offered Zalo.
# In development the default is the stand-in (the SMS stand-in's POST /zalo/message).
ZALO_OA_API_URL = env(
    "ZALO_OA_API_URL", "http://127.0.0.1:8020/zalo/message" if _sms_standin else ""
)
ZALO_OA_ACCESS_TOKEN = env(
    "ZALO_OA_ACCESS_TOKEN", "motcua-zalo-standin-token" if _sms_standin else ""
)
ZALO_OA_TIMEOUT_SECONDS = env_int("ZALO_OA_TIMEOUT_SECONDS", 10)

# --- Inter-agency transfer (liên thông) ------------------------------------------------------
# The adapters a process step may name, as class paths (integrations/adapters.py); each class
# carries its own name ("tax", "motcua").
INTEGRATION_ADAPTERS = env_list(
    "INTEGRATION_ADAPTERS",
    "motcua.integrations.adapters.TaxAuthorityAdapter,"
    "motcua.integrations.adapters.MotcuaAgencyAdapter",
)
# A send failing on the network is tried again after base, 2×base, 4×base... seconds, at most
# INTEGRATION_MAX_ATTEMPTS times, then shown to staff as failed.
INTEGRATION_MAX_ATTEMPTS = env_int("INTEGRATION_MAX_ATTEMPTS", 6)
INTEGRATION_RETRY_BASE_SECONDS = env_int("INTEGRATION_RETRY_BASE_SECONDS", 30)
# How often sent transfers are asked for an answer (notice, payment).
INTEGRATION_POLL_SECONDS = env_int("INTEGRATION_POLL_SECONDS", 60)
# The tax authority's dossier API. Outside production the default is the local stand-in
# (`python -m motcua.integrations.tax_standin`, started by scripts/serve).
_tax_standin = MOTCUA_ENV != "production"
TAX_AUTHORITY_URL = env("TAX_AUTHORITY_URL", "http://127.0.0.1:8010" if _tax_standin else "")
TAX_AUTHORITY_API_KEY = env(
    "TAX_AUTHORITY_API_KEY", "motcua-tax-standin-key" if _tax_standin else ""
)
TAX_AUTHORITY_TIMEOUT_SECONDS = env_int("TAX_AUTHORITY_TIMEOUT_SECONDS", 10)
# The national public-service portal's dossier sync API (SPEC §9); empty: nothing is sent.
NATIONAL_PORTAL_URL = env("NATIONAL_PORTAL_URL", "")
NATIONAL_PORTAL_API_KEY = env("NATIONAL_PORTAL_API_KEY", "")
NATIONAL_PORTAL_TIMEOUT_SECONDS = env_int("NATIONAL_PORTAL_TIMEOUT_SECONDS", 10)

# --- Fees and online payment (payments/gateways.py) -----------------------------------------
# The gateways offered to applicants, as class paths; each class carries its name ("vnpay",
# "national"). Outside production both default to the local sandbox bank
# (`python -m motcua.payments.sandbox --port 8030`, started by scripts/serve).
PAYMENT_GATEWAYS = env_list(
    "PAYMENT_GATEWAYS",
    "motcua.payments.gateways.VnpayGateway,motcua.payments.gateways.NationalPlatformGateway",
)
_payment_sandbox = "http://127.0.0.1:8030" if MOTCUA_ENV != "production" else ""
# VNPay (version 2.1.0): the payment page, the query API (querydr), the merchant's terminal code
# and its hash secret. VNPay is given the IPN address, SITE_URL + /thanh-toan/cong/vnpay/ipn/,
# when the merchant registers.
VNPAY_PAYMENT_URL = env(
    "VNPAY_PAYMENT_URL", f"{_payment_sandbox}/paymentv2/vpcpay.html" if _payment_sandbox else ""
)
VNPAY_API_URL = env(
    "VNPAY_API_URL",
    f"{_payment_sandbox}/merchant_webapi/api/transaction" if _payment_sandbox else "",
)
VNPAY_TMN_CODE = env("VNPAY_TMN_CODE", "MOTCUA01" if _payment_sandbox else "")
VNPAY_HASH_SECRET = env(
    "VNPAY_HASH_SECRET", "motcua-sandbox-vnpay-secret" if _payment_sandbox else ""
)
# The national payment platform (SPEC §9): its API, Motcua's merchant code and HMAC secret.
NATIONAL_PAYMENT_URL = env(
    "NATIONAL_PAYMENT_URL", f"{_payment_sandbox}/national" if _payment_sandbox else ""
)
NATIONAL_PAYMENT_MERCHANT = env("NATIONAL_PAYMENT_MERCHANT", "MOTCUA" if _payment_sandbox else "")
NATIONAL_PAYMENT_SECRET = env(
    "NATIONAL_PAYMENT_SECRET", "motcua-sandbox-national-secret" if _payment_sandbox else ""
)
PAYMENT_TIMEOUT_SECONDS = env_int("PAYMENT_TIMEOUT_SECONDS", 10)
# A payment not completed within this many minutes expires at the gateway (vnp_ExpireDate).
PAYMENT_EXPIRE_MINUTES = env_int("PAYMENT_EXPIRE_MINUTES", 15)
# The reconcile job asks the gateway about payments still pending this many minutes after
# they started (every PAYMENT_RECONCILE_EVERY_MINUTES).
PAYMENT_RECONCILE_AFTER_MINUTES = env_int("PAYMENT_RECONCILE_AFTER_MINUTES", 20)
PAYMENT_RECONCILE_EVERY_MINUTES = env_int("PAYMENT_RECONCILE_EVERY_MINUTES", 10)
# Whether an online dossier must be paid before it is received (payment stage "submission")
# or before its result is returned ("result"). Off: fees may still be paid online, but the
# desk may go on without (e.g. while no gateway contract is signed).
PAYMENT_REQUIRED = env_bool("PAYMENT_REQUIRED", True)

# --- Notifications (notifications/channels.py) ----------------------------------------------
# The class that delivers each channel's messages (in_app needs none: it is shown on the site).
NOTIFICATION_CHANNELS = {
    "sms": env(
        "NOTIFICATION_SMS_CHANNEL",
        "motcua.notifications.channels."
        + ("HttpSmsChannel" if SMS_GATEWAY_URL else "ConsoleChannel"),
    ),
    "email": env("NOTIFICATION_EMAIL_CHANNEL", "motcua.notifications.channels.DjangoEmailChannel"),
    "zalo": env(
        "NOTIFICATION_ZALO_CHANNEL",
        "motcua.notifications.channels."
        + ("HttpZaloChannel" if ZALO_OA_API_URL else "ConsoleChannel"),
    ),
}
# The console channel also appends each message as a line to this file when set.
NOTIFICATIONS_FILE = env("NOTIFICATIONS_FILE", "")
# A message failing temporarily is tried this many times in all, waiting base, 2×base,
# 4×base... seconds between tries, then marked as a permanent failure.
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 6)
NOTIFICATION_RETRY_BASE_SECONDS = env_int("NOTIFICATION_RETRY_BASE_SECONDS", 60)
# A message still "sending" this long after its attempt began had its worker die: the recovery
# job sends it again, with the same idempotency key. A batch stops trying new messages at half
# of it: keep it above twice the gateways' timeouts (SMS_GATEWAY_TIMEOUT_SECONDS...).
NOTIFICATION_SENDING_TIMEOUT_SECONDS = env_int("NOTIFICATION_SENDING_TIMEOUT_SECONDS", 300)
# The worker claims due messages this many at a time and sends them over one kept-alive
# connection; a delivery task hands over to a fresh one after NOTIFICATION_DRAIN_SECONDS.
NOTIFICATION_BATCH_SIZE = env_int("NOTIFICATION_BATCH_SIZE", 100)
NOTIFICATION_DRAIN_SECONDS = env_int("NOTIFICATION_DRAIN_SECONDS", 60)
# After this many temporary failures in a row on one channel (its gateway is down), the rest
# of the batch for that channel waits for the next try instead of timing out one by one.
NOTIFICATION_BREAKER_FAILURES = env_int("NOTIFICATION_BREAKER_FAILURES", 3)

# --- Signed results (results/signing.py, results/verification.py) ---------------------------
# RESULT_SIGNER: how results are signed as the agency: "pkcs12" (a key file, default), "pkcs11"
# (a token or HSM, needs the python-pkcs11 package), "remote" (a signing service) or a class path.
RESULT_SIGNER = env("RESULT_SIGNER", "pkcs12")
# Outside production the key, its certificate and the trusted root default to a local DEMO
# certificate authority under RESULT_PKI_DIR, made by `motcua results_demo_ca` (or on first use).
_demo_pki = MOTCUA_ENV != "production"
RESULT_PKI_DIR = Path(env("RESULT_PKI_DIR", str(DATA_DIR / "pki")))
RESULT_PKCS12_FILE = env(
    "RESULT_PKCS12_FILE", str(RESULT_PKI_DIR / "agency.p12") if _demo_pki else ""
)
RESULT_PKCS12_PASSPHRASE = env("RESULT_PKCS12_PASSPHRASE", "motcua-demo-pki" if _demo_pki else "")
RESULT_PKCS11_MODULE = env("RESULT_PKCS11_MODULE", "")
RESULT_PKCS11_TOKEN_LABEL = env("RESULT_PKCS11_TOKEN_LABEL", "")
RESULT_PKCS11_KEY_LABEL = env("RESULT_PKCS11_KEY_LABEL", "")
RESULT_PKCS11_CERT_LABEL = env("RESULT_PKCS11_CERT_LABEL", "")
RESULT_PKCS11_PIN = env("RESULT_PKCS11_PIN", "")
RESULT_REMOTE_SIGNER_URL = env("RESULT_REMOTE_SIGNER_URL", "")
RESULT_REMOTE_SIGNER_KEY = env("RESULT_REMOTE_SIGNER_KEY", "")
RESULT_REMOTE_SIGNER_TIMEOUT_SECONDS = env_int("RESULT_REMOTE_SIGNER_TIMEOUT_SECONDS", 10)
# An RFC 3161 timestamp server: set, signatures are PAdES B-T; empty, B-B.
RESULT_TIMESTAMP_URL = env("RESULT_TIMESTAMP_URL", "")
RESULT_TIMESTAMP_TIMEOUT_SECONDS = env_int("RESULT_TIMESTAMP_TIMEOUT_SECONDS", 10)
# A TrueType font with Vietnamese letters for the visible signature stamp (empty: Noto Sans).
RESULT_STAMP_FONT = env("RESULT_STAMP_FONT", "")
# PEM files of the certificate authorities whose signatures the verification page trusts.
RESULT_TRUST_ROOTS = env_list(
    "RESULT_TRUST_ROOTS", str(RESULT_PKI_DIR / "demo-ca.pem") if _demo_pki else ""
)
# Uploaded PDFs checked on /verify: the largest accepted, the time one check may take, and the
# checks per client IP.
RESULT_VERIFY_MAX_MB = env_int("RESULT_VERIFY_MAX_MB", 10)
RESULT_VERIFY_TIMEOUT_SECONDS = env_int("RESULT_VERIFY_TIMEOUT_SECONDS", 10)
RESULT_VERIFY_RATES = env_list("RESULT_VERIFY_RATES", "20/m,300/d")

# --- Environmental monitoring ---------------------------------------------------------------
# An hour of raw readings gives an hourly mean when at least this share of the readings expected
# from the station's reporting interval arrived (0.75: 9 of 12 five-minute readings).
MONITORING_HOUR_COMPLETENESS = float(env("MONITORING_HOUR_COMPLETENESS", "0.75"))
# Readings further ahead of the server clock, or older than this many days, are rejected.
MONITORING_MAX_FUTURE_MINUTES = env_int("MONITORING_MAX_FUTURE_MINUTES", 10)
MONITORING_MAX_AGE_DAYS = env_int("MONITORING_MAX_AGE_DAYS", 365)
# Most readings accepted in one HTTP or MQTT message.
MONITORING_MAX_BATCH = env_int("MONITORING_MAX_BATCH", 5000)
# Quality control: a value unchanged for this many hours is flagged "stuck"; an active station
# silent for longer than this many minutes raises an operational alert.
MONITORING_STUCK_HOURS = env_int("MONITORING_STUCK_HOURS", 4)
MONITORING_SILENT_AFTER_MINUTES = env_int("MONITORING_SILENT_AFTER_MINUTES", 120)
# MQTT ingestion (`motcua mqtt_subscriber`): mqtt://user:password@host:1883 (mqtts:// for TLS);
# empty turns the subscriber off. Stations publish to <prefix>/<station code>/measurements.
MQTT_BROKER_URL = env("MQTT_BROKER_URL", "")
MQTT_TOPIC_PREFIX = env("MQTT_TOPIC_PREFIX", "motcua/stations")
MQTT_CLIENT_ID = env("MQTT_CLIENT_ID", "motcua-subscriber")
# VN_AQI: an hourly index above this opens an alert for the station's operators (151+ is Xấu).
AQI_ALERT_LEVEL = env_int("AQI_ALERT_LEVEL", 150)
# The licence under which validated hourly data are published (downloads of the public
# air-quality pages).
OPEN_DATA_LICENSE = env("OPEN_DATA_LICENSE", "Creative Commons Ghi công 4.0 (CC BY 4.0)")
OPEN_DATA_LICENSE_URL = env(
    "OPEN_DATA_LICENSE_URL", "https://creativecommons.org/licenses/by/4.0/deed.vi"
)
# Tiles of the public air-quality map, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (mind
# the tile server's usage policy) with MAP_TILE_ATTRIBUTION shown on the map. Empty (default):
# stations are drawn on a plain outline, with no request to an outside server. When set, the
# Content-Security-Policy lets images come from the tile server's origin.
MAP_TILE_URL = env("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", "")
if MAP_TILE_URL:
    _tiles = urlsplit(MAP_TILE_URL.replace("{s}", "*"))
    SECURE_CSP["img-src"] = [*SECURE_CSP["img-src"], f"{_tiles.scheme}://{_tiles.netloc}"]

# --- Feedback and hotline reports (feedback/) -----------------------------------------------
# The agency code (e.g. "H56") that gets a report no routing rule matches; empty: such reports
# wait, unrouted, for an administrator.
FEEDBACK_FALLBACK_AGENCY = env("FEEDBACK_FALLBACK_AGENCY", "")
# Public report form: submissions per client IP (core/ratelimit.py rates), and the seconds a
# person needs at least between opening the form and sending it (faster is a robot).
FEEDBACK_RATE_LIMITS = env_list("FEEDBACK_RATE_LIMITS", "5/h,20/d")
FEEDBACK_CHALLENGE_MIN_SECONDS = env_int("FEEDBACK_CHALLENGE_MIN_SECONDS", 3)
# Follow-up lookups (code + secret) per client IP.
FEEDBACK_FOLLOW_RATE_LIMITS = env_list("FEEDBACK_FOLLOW_RATE_LIMITS", "20/m,200/d")
# Reports due within this many working days are listed as "due soon".
FEEDBACK_DUE_SOON_DAYS = env_int("FEEDBACK_DUE_SOON_DAYS", 2)

# --- Site -----------------------------------------------------------------------------------
# The defaults are in the translation catalogue (templates show them with {% translate %});
# a name set in the environment is shown as written.
SITE_NAME = env("SITE_NAME", gettext_noop("Cổng dịch vụ công ngành Nông nghiệp và Môi trường"))
SITE_AGENCY_NAME = env("SITE_AGENCY_NAME", gettext_noop("Sở Nông nghiệp và Môi trường"))
# Shown in the page footer only when set: the agency's postal address and its hotline number.
SITE_AGENCY_ADDRESS = env("SITE_AGENCY_ADDRESS", "")
SITE_HOTLINE = env("SITE_HOTLINE", "")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
# Working hours used when an agency has none of its own (see core/calendar.py).
DEFAULT_WORKING_HOURS = env("DEFAULT_WORKING_HOURS", "07:00-11:30,13:30-17:00")
# A dossier received at or after this time of a working day counts from the next working
# morning (Decree 118/2025: paper passed on the next day when received after 15:00).
RECEPTION_CUTOFF = env("RECEPTION_CUTOFF", "15:00")
# Working days a consultation (xin ý kiến) gets when the officer does not say.
CONSULTATION_DEFAULT_DAYS = env_int("CONSULTATION_DEFAULT_DAYS", 3)

# Covering indexes (Index(include=...)) speed up the statistics on PostgreSQL; SQLite, the
# embedded default, builds them without the extra columns, which is fine for its sizes.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "filters": {"request": {"()": "motcua.core.middleware.RequestIdLogFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # Font subsetting (PDFs, signature stamps) logs every table it touches at INFO.
        "fontTools": {"level": "WARNING"},
        # WeasyPrint logs each of its seven rendering steps at INFO, for every PDF.
        "weasyprint": {"level": "WARNING"},
    },
}
