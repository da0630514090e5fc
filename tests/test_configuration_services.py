"""The suite runs against the services the environment names, and they answer.

CI runs everything twice (.ci/run): embedded (no DATABASE_URL, no REDIS_URL) and production
(both set). A service that is named but down must fail the run, never fall back silently.
"""

import asyncio
import os
import socket
import uuid
from urllib.parse import urlsplit

import pytest
from channels.layers import get_channel_layer
from django.core.cache import cache, caches
from django.db import connection

DEFAULT_PORTS = {"postgres": 5432, "postgresql": 5432, "redis": 6379, "rediss": 6379}


def unreachable_services() -> list[str]:
    """The services named by DATABASE_URL / REDIS_URL that do not accept a TCP connection."""
    down = []
    for variable in ("DATABASE_URL", "REDIS_URL"):
        url = urlsplit(os.environ.get(variable, ""))
        if not url.hostname:
            continue
        address = (url.hostname, url.port or DEFAULT_PORTS.get(url.scheme, 0))
        try:
            socket.create_connection(address, timeout=3).close()
        except OSError as error:
            down.append(f"{variable} ({address[0]}:{address[1]}: {error})")
    return down


def test_services_named_by_the_environment_answer():
    assert unreachable_services() == []


@pytest.mark.django_db
def test_the_database_is_the_one_the_environment_names():
    expected = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_the_cache_is_the_one_the_environment_names_and_keeps_values():
    expected = "RedisCache" if os.environ.get("REDIS_URL") else "LocMemCache"
    assert type(caches["default"]).__name__ == expected
    key = f"configuration-check-{uuid.uuid4().hex}"
    cache.set(key, "kept", 30)
    assert cache.get(key) == "kept"
    cache.delete(key)


async def test_the_channel_layer_is_the_one_the_environment_names_and_delivers():
    layer = get_channel_layer()
    expected = ("RedisPubSubChannelLayer" if os.environ.get("REDIS_URL")
                else "InMemoryChannelLayer")
    assert type(layer).__name__ == expected
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "configuration.check", "value": 42})
    received = await asyncio.wait_for(layer.receive(channel), timeout=5)
    assert received == {"type": "configuration.check", "value": 42}
