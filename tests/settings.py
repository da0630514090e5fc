"""Test settings: the real settings, with fast hashing and no HTTPS redirect.

Whether tests use the embedded or the production configuration is decided by the same
environment variables as everywhere else (DATABASE_URL, REDIS_URL).
"""

import os

os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("RELAIS_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test"))

from network.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run at once, inside the test, so their effects can be asserted.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Receipt counts are pushed after every change, so tests can see each one.
RELAIS_LIMITS = {**RELAIS_LIMITS, "receipt_push_seconds": 0}  # noqa: F405
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS}  # noqa: F405
STORAGES = {**STORAGES, "staticfiles": {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
if REDIS_URL:  # noqa: F405
    # Each xdist worker gets its own key space so parallel tests do not see each other.
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    CACHES["default"]["KEY_PREFIX"] = f"relais-test-{_worker}"  # noqa: F405
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"relais-test-{_worker}"  # noqa: F405
# The websocket consumer runs PostgreSQL work on a thread pool; connections kept open there
# would outlive a test and keep its test database from being dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))  # noqa: F405
