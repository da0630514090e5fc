"""Configuration from the environment, checked in fresh interpreters."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "k" * 20 + "Zx9!q7#Lm2@vB5$nR8&tY4*wP1^sD6(",
              "ALLOWED_HOSTS": "relais.example", "DJANGO_SETTINGS_MODULE": "network.settings"}


def run(args, **env):
    base = {k: v for k, v in os.environ.items()
            if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE",
                         "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "REDIS_URL"}}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("services", [{}, {"DATABASE_URL": "postgres://u@db.example:5432/relais",
                                           "REDIS_URL": "redis://cache.example:6379/0"}])
def test_production_settings_pass_check_deploy_without_warnings(tmp_path, services):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                 RELAIS_VAR_DIR=str(tmp_path), **PRODUCTION, **services)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_refuses_the_development_secret_key(tmp_path):
    without_key = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = run(["manage.py", "check", "--deploy"], RELAIS_VAR_DIR=str(tmp_path), **without_key)
    assert result.returncode != 0
    assert "relais.E001" in result.stdout + result.stderr


def settings_in_a_fresh_process(**env):
    code = ("import django, json; django.setup(); from django.conf import settings as s; "
            "print(json.dumps({'layer': s.CHANNEL_LAYERS['default']['BACKEND'], "
            "'cache': s.CACHES['default']['BACKEND'], 'db': s.DATABASES['default']['ENGINE'], "
            "'ssl': s.SECURE_SSL_REDIRECT, 'hsts': s.SECURE_HSTS_SECONDS}))")
    result = run(["-c", code], **{"DJANGO_SETTINGS_MODULE": "network.settings", **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_configuration_needs_no_services(tmp_path):
    config = settings_in_a_fresh_process(RELAIS_VAR_DIR=str(tmp_path), DATABASE_URL="",
                                         REDIS_URL="", DEBUG="true")
    assert config["layer"] == "channels.layers.InMemoryChannelLayer"
    assert config["cache"].endswith("LocMemCache")
    assert config["db"] == "django.db.backends.sqlite3"
    assert config["ssl"] is False


def test_production_configuration_uses_postgres_and_redis(tmp_path):
    config = settings_in_a_fresh_process(
        RELAIS_VAR_DIR=str(tmp_path), DATABASE_URL="postgres://u@db.example:5432/relais",
        REDIS_URL="redis://cache.example:6379/0", **PRODUCTION)
    assert config["layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert config["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert config["db"] == "django.db.backends.postgresql"
    assert config["ssl"] is True and config["hsts"] >= 31536000


def test_the_queued_channel_layer_can_be_chosen(tmp_path):
    config = settings_in_a_fresh_process(
        RELAIS_VAR_DIR=str(tmp_path), DATABASE_URL="postgres://u@db.example:5432/relais",
        REDIS_URL="redis://cache.example:6379/0", RELAIS_CHANNEL_LAYER="lists", **PRODUCTION)
    assert config["layer"] == "channels_redis.core.RedisChannelLayer"


def test_an_unknown_channel_layer_fails_with_a_clear_message(tmp_path):
    result = run(["-c", "import django; django.setup()"], RELAIS_VAR_DIR=str(tmp_path),
                 DJANGO_SETTINGS_MODULE="network.settings", REDIS_URL="redis://x:6379/0",
                 RELAIS_CHANNEL_LAYER="carrier-pigeon")
    assert result.returncode != 0
    assert "RELAIS_CHANNEL_LAYER must be one of" in result.stderr


def test_bad_values_fail_with_a_clear_message(tmp_path):
    result = run(["-c", "import django; django.setup()"], RELAIS_VAR_DIR=str(tmp_path),
                 DJANGO_SETTINGS_MODULE="network.settings", RELAIS_SIGNUP_MODE="sometimes")
    assert result.returncode != 0
    assert "RELAIS_SIGNUP_MODE must be one of" in result.stderr


@pytest.mark.django_db
def test_the_test_database_connection_asks_for_wal():
    if connection.vendor != "sqlite":
        pytest.skip("the embedded configuration only")
    with connection.cursor() as cursor:
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
    # pytest-django's SQLite database is in memory, where SQLite reports "memory".
    assert mode in {"wal", "memory"}
    assert "journal_mode=WAL" in connection.settings_dict["OPTIONS"]["init_command"]


def test_the_embedded_database_file_runs_in_wal_mode(tmp_path):
    code = ("import django; django.setup(); from django.db import connection; "
            "cursor = connection.cursor(); "
            "print(cursor.execute('PRAGMA journal_mode').fetchone()[0])")
    result = run(["-c", code], DJANGO_SETTINGS_MODULE="network.settings",
                 RELAIS_VAR_DIR=str(tmp_path), DATABASE_URL="", REDIS_URL="", DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "wal"
