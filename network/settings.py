"""Relais settings, read from the environment.

Two configurations share this file (DESIGN.md, "Two configurations"):
- embedded (default): SQLite in WAL mode, in-memory channel layer, local-memory cache;
- production: DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from network.env import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("RELAIS_VAR_DIR", BASE_DIR / "var"))

# Used only when DEBUG is on or in tests; network.checks refuses it in production.
INSECURE_DEV_SECRET_KEY = "relais-insecure-development-key-never-use-in-production"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_ID = 1
RELAIS_ORGANISATION_NAME = os.environ.get("RELAIS_ORGANISATION_NAME", "Relais")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "channels",
    "csp",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "ninja",
    "network",
    "accounts",
    "groups",
    "feed",
    "chat",
    "documents",
    "desk",
    "notifications",
    "search",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "network.middleware.RejectNulCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.MandatoryMFAMiddleware",
    # Last: after authentication, and before the view reads anything.
    "network.middleware.PageEventMiddleware",
]

ROOT_URLCONF = "network.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "network.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "network.context_processors.relais",
                "feed.context_processors.nav_counts",
                "notifications.context_processors.unread_notifications",
                "chat.context_processors.unread_conversations",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "relais.sqlite3")),
            "OPTIONS": {
                # WAL lets readers proceed while the worker writes; IMMEDIATE takes the write
                # lock at BEGIN so concurrent writers wait (busy timeout) instead of failing.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and channel layer -------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CHANNEL_SOCKET_TIMEOUT = 30
# A process's sockets share one channel, which carries every message of their streams
# (network.stream_router): the queued layers hold up to this many for it (a notification to
# thousands of people is as many messages) before dropping, after which clients get them back
# when they resume.
PROCESS_CHANNEL_CAPACITY = 10_000
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "relais",
        }
    }
    # Pub/sub (the default): a group message is published once and each process hands it to
    # its own sockets, instead of one queued copy per socket; nothing is queued for a process
    # that is gone. What a process misses while reconnecting comes back through resume.
    # "lists" is channels-redis's original layer (per-channel queues with a capacity).
    CHANNEL_LAYER_KIND = os.environ.get("RELAIS_CHANNEL_LAYER", "pubsub")
    if CHANNEL_LAYER_KIND not in {"pubsub", "lists"}:
        raise ImproperlyConfigured("RELAIS_CHANNEL_LAYER must be one of: pubsub, lists")
    _layer_config = {
        # The layer's blocking reads wait up to 5 s; redis-py 8 also cuts socket reads at 5 s
        # by default, which crashed every idle consumer (django/channels_redis#422). The
        # socket timeout must outlast the read.
        "hosts": [{"address": url, "socket_timeout": CHANNEL_SOCKET_TIMEOUT}
                  for url in env_list("REDIS_CHANNEL_HOSTS", [REDIS_URL])],
        "prefix": os.environ.get("REDIS_CHANNEL_PREFIX", "relais"),
    }
    if CHANNEL_LAYER_KIND == "lists":
        CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                      "CONFIG": {**_layer_config,
                                                 "capacity": PROCESS_CHANNEL_CAPACITY,
                                                 "expiry": 60}}}
    else:
        CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                      "CONFIG": _layer_config}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer",
                                  "CONFIG": {"capacity": PROCESS_CHANNEL_CAPACITY}}}
# Feed cards' HTML under fingerprints of what they show (feed/card_html.py): in each process's
# memory, so new templates start with an empty cache. About 2 KB a card (compressed).
CACHES["cards"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "relais-cards",
    "TIMEOUT": env_int("RELAIS_CARD_CACHE_SECONDS", 3600),
    "OPTIONS": {"MAX_ENTRIES": env_int("RELAIS_CARD_CACHE_ENTRIES", 10000)},
}

# --- Background tasks --------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Authentication ----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapter.RelaisAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupDetailsForm"
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get("LOGIN_FAILED_RATE_LIMIT", "5/5m/key,20/5m/ip"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Relais] "
SOCIALACCOUNT_PROVIDERS = {}

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = RELAIS_ORGANISATION_NAME
# Accept the previous and next 30-second code too: phone clocks on wards drift.
MFA_TOTP_TOLERANCE = 1
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# "none", "admins" (organisation admins must enrol) or "all".
RELAIS_MFA_REQUIRED = os.environ.get("RELAIS_MFA_REQUIRED", "none")
if RELAIS_MFA_REQUIRED not in {"none", "admins", "all"}:
    raise ImproperlyConfigured("RELAIS_MFA_REQUIRED must be one of: none, admins, all")

# "invitation" (default), "domains" (RELAIS_SIGNUP_DOMAINS only) or "open".
RELAIS_SIGNUP_MODE = os.environ.get("RELAIS_SIGNUP_MODE", "invitation")
if RELAIS_SIGNUP_MODE not in {"invitation", "domains", "open"}:
    raise ImproperlyConfigured("RELAIS_SIGNUP_MODE must be one of: invitation, domains, open")
RELAIS_SIGNUP_DOMAINS = [d.lower() for d in env_list("RELAIS_SIGNUP_DOMAINS", [])]
RELAIS_INVITATION_DAYS = env_int("RELAIS_INVITATION_DAYS", 14)

# --- Limits (DESIGN.md, "Text, files and bad input") ------------------------------------------
RELAIS_LIMITS = {
    "avatar_bytes": env_int("RELAIS_AVATAR_MAX_BYTES", 5 * 1024 * 1024),
    "group_description_chars": env_int("RELAIS_GROUP_DESCRIPTION_MAX_CHARS", 2000),
    "message_chars": env_int("RELAIS_MESSAGE_MAX_CHARS", 10_000),
    "upload_bytes": env_int("RELAIS_UPLOAD_MAX_BYTES", 50 * 1024 * 1024),
    "api_page_size": env_int("RELAIS_API_PAGE_SIZE", 50),
    "post_chars": env_int("RELAIS_POST_MAX_CHARS", 20_000),
    "comment_chars": env_int("RELAIS_COMMENT_MAX_CHARS", 5_000),
    "post_attachments": env_int("RELAIS_POST_MAX_ATTACHMENTS", 10),
    "documents_per_upload": env_int("RELAIS_DOCUMENTS_PER_UPLOAD", 20),
    "document_description_chars": env_int("RELAIS_DOCUMENT_DESCRIPTION_MAX_CHARS", 2000),
    "reminder_interval_minutes": env_int("RELAIS_REMINDER_INTERVAL_MINUTES", 240),
    "receipt_push_seconds": env_int("RELAIS_RECEIPT_PUSH_SECONDS", 1),
    "event_resume_max": env_int("RELAIS_EVENT_RESUME_MAX", 500),
    "event_retention_days": env_int("RELAIS_EVENT_RETENTION_DAYS", 7),
    "search_query_chars": env_int("RELAIS_SEARCH_QUERY_MAX_CHARS", 256),
    # Text indexed per entry: a document's extracted text past it is not searchable.
    "search_body_chars": env_int("RELAIS_SEARCH_BODY_MAX_CHARS", 200_000),
    # Reading a document's text (documents.extraction), in a child process per file.
    "extract_seconds": env_int("RELAIS_EXTRACT_SECONDS", 30),
    "extract_memory_mb": env_int("RELAIS_EXTRACT_MEMORY_MB", 512),
    "extract_chars": env_int("RELAIS_EXTRACT_MAX_CHARS", 1_000_000),
    # Zip-based documents (DOCX, XLSX, PPTX, OpenDocument) unpacking past these are bombs.
    "extract_zip_bytes": env_int("RELAIS_EXTRACT_ZIP_MAX_BYTES", 200 * 1024 * 1024),
    "extract_zip_ratio": env_int("RELAIS_EXTRACT_ZIP_MAX_RATIO", 100),
    "extract_zip_entries": env_int("RELAIS_EXTRACT_ZIP_MAX_ENTRIES", 10_000),
}
# What a document may be, judged by its content (documents.filetypes names them all).
RELAIS_DOCUMENT_TYPES = env_list("RELAIS_DOCUMENT_TYPES", [
    "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
    "text/plain", "text/markdown", "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
])
# Trashed documents are restorable this long, then deleted with their files.
RELAIS_DOCUMENT_TRASH_DAYS = env_int("RELAIS_DOCUMENT_TRASH_DAYS", 30)
# Behind nginx: downloads are answered with X-Accel-Redirect to this internal location
# (docs/deployment.md); empty: Relais sends the files itself.
RELAIS_X_ACCEL_REDIRECT_PREFIX = os.environ.get("RELAIS_X_ACCEL_REDIRECT_PREFIX", "")
# The modules that give `manage.py search_reindex` each app's content (docs/search.md).
RELAIS_SEARCH_SOURCES = ["accounts.search_index", "groups.search_index", "feed.search_index",
                         "documents.search_index",
                         "chat.search_index"]
# Modules that add items to a chat message's menu and badges beside it (chat/templatetags/
# chat_tags.py), so that chat imports none of the apps built on it.
RELAIS_MESSAGE_MENU_EXTENSIONS = ["desk.chat_extension"]
# Modules that name the posts and messages a document is attached to, for its page
# (documents/selectors.py, attached_to), so that documents imports none of the apps built on it.
RELAIS_DOCUMENT_ATTACHMENT_SOURCES = ["feed.document_links", "chat.document_links"]
# How long before an acknowledgement deadline those who have not acknowledged are notified.
RELAIS_ACK_DUE_NOTICE_HOURS = env_int("RELAIS_ACK_DUE_NOTICE_HOURS", 24)
if RELAIS_ACK_DUE_NOTICE_HOURS < 0:
    raise ImproperlyConfigured("RELAIS_ACK_DUE_NOTICE_HOURS cannot be negative")

# --- Web push (notifications.vapid) ------------------------------------------------------------
# The server's VAPID key: RELAIS_VAPID_PRIVATE_KEY (PEM or base64url) or a file that
# `manage.py vapid_keys` creates when missing (every process of a deployment must share it).
RELAIS_VAPID_PRIVATE_KEY = os.environ.get("RELAIS_VAPID_PRIVATE_KEY", "")
RELAIS_VAPID_KEY_FILE = Path(os.environ.get("RELAIS_VAPID_KEY_FILE", VAR_DIR / "vapid_private.pem"))
# Who push services may contact about this server's pushes (a mailto: or https: URL).
RELAIS_PUSH_CONTACT = os.environ.get("RELAIS_PUSH_CONTACT", "mailto:it@example.org")
RELAIS_PUSH_TTL_SECONDS = env_int("RELAIS_PUSH_TTL_SECONDS", 12 * 3600)
# The server POSTs to the endpoint a browser gives: only push services' hosts (and their
# subdomains), over https, so nobody can aim it at an internal address.
RELAIS_PUSH_SERVICE_HOSTS = [host.lower().strip(".") for host in env_list(
    "RELAIS_PUSH_SERVICE_HOSTS",
    ["fcm.googleapis.com", "push.services.mozilla.com", "updates.push.services.mozilla.com",
     "push.apple.com", "notify.windows.com"])]
RELAIS_PUSH_ALLOW_HTTP_LOOPBACK = False  # tests only: a fake push service on 127.0.0.1
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("RELAIS_REQUEST_MAX_BYTES", 10 * 1024 * 1024)

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "en"
# The language of new accounts until they choose one.
RELAIS_DEFAULT_LANGUAGE = os.environ.get("RELAIS_DEFAULT_LANGUAGE", "fr")
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

# --- Files -------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Never served from a public URL: views check access and send files (DESIGN.md).
MEDIA_URL = "/media-not-public/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG and bool(DATABASE_URL))
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Email -------------------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Relais <relais@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ----------------------------------------------------------------------------------
# HTTPS is on by default outside DEBUG; TLS ends at nginx, which sets X-Forwarded-Proto.
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # the socket module reads it for htmx requests

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'", "ws:", "wss:"] if DEBUG else ["'self'", "wss:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
        # The service worker of web push, served from /sw.js.
        "worker-src": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
    },
}
