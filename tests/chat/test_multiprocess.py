"""Two Daphne processes sharing PostgreSQL and Redis, real websocket clients on each.

Messages, typing and presence must cross from one process to the other, each message reaching
every reader once, in the order each sender sent them, and nothing reaching an outsider. Runs
in the production configuration (DATABASE_URL and REDIS_URL set), as CI's second pass does.
"""

import asyncio
import json
import os
import time
import uuid

import pytest
from django.db import connection

from accounts import services as account_services
from chat.models import Message
from groups import services as group_services
from tests.conftest import make_user
from tests.live_relais import LiveServer, server_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("live")]
MESSAGES_EACH = 15
TIMEOUT = 20


@pytest.fixture
def production_services():
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.skip("the production configuration only (DATABASE_URL and REDIS_URL)")


@pytest.fixture
def people(production_services):
    names = {"alice": "Alice Aubert", "bruno": "Bruno Blanc", "chloe": "Chloé Caron",
             "denis": "Denis Dumas", "eve": "Ève Étranger"}
    people = {key: make_user(f"{key}@hopital.example", name, language="en")
              for key, name in names.items()}
    ward = group_services.create_group(creator=people["alice"], name="Réanimation",
                                       visibility="private")
    for key in ("bruno", "chloe", "denis"):
        group_services.add_member(actor=people["alice"], group=ward, user=people[key])
    tokens = {key: account_services.create_api_token(user=person, name="test")[1]
              for key, person in people.items()}
    return {"users": people, "tokens": tokens, "channel": ward.channel}


@pytest.fixture
def two_daphnes(people, tmp_path):
    """Both processes see this test's database (committed: a transactional test) and one
    channel layer of their own in Redis."""
    db = connection.settings_dict
    database_url = (f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                    f"/{db['NAME']}")
    env = server_env(DATABASE_URL=database_url, REDIS_URL=os.environ["REDIS_URL"],
                     REDIS_CHANNEL_PREFIX=f"relais-multiprocess-{uuid.uuid4().hex[:8]}",
                     RELAIS_VAR_DIR=str(tmp_path))
    servers = [LiveServer(env, serve=False), LiveServer(env, serve=False)]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


class Client:
    """A websocket client that records every frame it receives."""

    def __init__(self, server, token):
        self.uri = server.url.replace("http", "ws") + "/ws/"
        self.token = token
        self.frames: list[dict] = []

    async def open(self):
        from websockets.asyncio.client import connect

        self.socket = await connect(self.uri, additional_headers={
            "Authorization": f"Bearer {self.token}"})
        self.reader = asyncio.create_task(self._read())
        await self.until(lambda: self.of_type("session.ready"))
        return self

    async def _read(self):
        async for raw in self.socket:
            self.frames.append(json.loads(raw))

    async def send(self, frame: dict):
        await self.socket.send(json.dumps(frame))

    async def close(self):
        await self.socket.close()
        self.reader.cancel()

    def of_type(self, kind: str) -> list[dict]:
        return [frame for frame in self.frames if frame["type"] == kind]

    def messages(self) -> list[dict]:
        return [frame["data"]["message"] for frame in self.of_type("message.created")]

    async def until(self, condition, timeout: float = TIMEOUT):
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; frames: {self.frames[-5:]}")
            await asyncio.sleep(0.05)


def test_messages_typing_and_presence_cross_between_two_daphne_processes(two_daphnes, people):
    first, second = two_daphnes
    tokens, users, channel = people["tokens"], people["users"], people["channel"]

    async def scenario():
        alice = await Client(first, tokens["alice"]).open()
        bruno = await Client(second, tokens["bruno"]).open()
        chloe = await Client(second, tokens["chloe"]).open()
        eve = await Client(first, tokens["eve"]).open()   # not in the group
        readers = [alice, bruno, chloe]
        # Quiet for longer than the channel layer's blocking read (5 s): the sockets must
        # still be there (redis-py 8 cut such reads at 5 s and crashed every idle consumer).
        await asyncio.sleep(7)
        for client in (alice, bruno, chloe, eve):
            await client.send({"type": "ping", "ref": "still-there"})
            await client.until(lambda c=client: any(
                f.get("ref") == "still-there" for f in c.of_type("pong")))

        # Presence: Denis comes online on the second process, Alice hears it on the first.
        denis = await Client(second, tokens["denis"]).open()
        denis_id = users["denis"].id

        def denis_is(status):
            return lambda: any(f["data"]["user_id"] == denis_id and f["data"]["status"] == status
                               for f in alice.of_type("presence.changed"))

        await alice.until(denis_is("online"))
        await denis.close()
        await alice.until(denis_is("offline"))

        # Typing on the first process reaches the readers on the second.
        await alice.send({"type": "typing", "conversation_id": channel.id})
        for reader in (bruno, chloe):
            await reader.until(lambda r=reader: any(
                f["data"]["user_id"] == users["alice"].id for f in r.of_type("typing.started")))

        # Two senders on two processes, without waiting for each other; one retried send.
        sent = {"alice": [], "bruno": []}
        for n in range(MESSAGES_EACH):
            for name, client in (("alice", alice), ("bruno", bruno)):
                client_id = f"{name}-{n}"
                sent[name].append(client_id)
                await client.send({"type": "message.send", "ref": client_id,
                                   "conversation_id": channel.id, "client_id": client_id,
                                   "body": f"{name} n°{n}"})
        await bruno.send({"type": "message.send", "ref": "retry", "conversation_id": channel.id,
                          "client_id": "bruno-3", "body": "bruno n°3"})
        total = 2 * MESSAGES_EACH
        for reader in readers:
            await reader.until(lambda r=reader: len(r.messages()) >= total)
        await bruno.until(lambda: any(f.get("ref") == "retry" for f in bruno.of_type("message.sent")))
        await asyncio.sleep(1)  # time for a duplicate, if any, to show up
        for client in (*readers, eve):
            await client.close()
        return sent, readers, eve, bruno

    sent, readers, eve, bruno = asyncio.run(scenario())

    stored = list(Message.objects.filter(conversation=channel).order_by("seq"))
    assert [m.seq for m in stored] == list(range(1, 2 * MESSAGES_EACH + 1))
    by_client_id = {m.client_id: m for m in stored}
    retried = next(f for f in bruno.of_type("message.sent") if f["ref"] == "retry")
    assert retried["message"]["id"] == by_client_id["bruno-3"].id
    for reader in readers:
        received = reader.messages()
        ids = [m["id"] for m in received]
        assert len(ids) == len(set(ids)), "a message arrived twice"
        assert set(ids) == {m.id for m in stored}, "a message is missing"
        for name, client_ids in sent.items():
            mine = [m["client_id"] for m in received if m["client_id"].startswith(name)]
            assert mine == client_ids, f"{name}'s messages arrived out of order"
    assert eve.messages() == [] and eve.of_type("typing.started") == []
