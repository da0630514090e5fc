"""Real-time chat delivery: how fast and how completely a message reaches every socket.

Relais runs in its production configuration: two Daphne processes serving
``network.asgi:application``, sharing PostgreSQL and Redis (channels-redis). The data: 50
private groups, whose channels are the conversations, and one person per client, each a
member of 3 channels. Every client is a real websocket, authenticated with an API token
(``Authorization: Bearer``), half of them on each process. Once all are connected and the
presence announcements of the connections have died down, ``message.send`` frames go out at
a fixed rate for a fixed time, each from a random client to one of its channels. Every socket
of a member of that channel, the sender's own included, must receive the ``message.created``
event exactly once. Measured:

- delivery latency, from the send to each member socket's receipt (p50, p95, p99);
- deliveries per second, lost deliveries and duplicated ones (both must be 0);
- memory per connection: the growth of each server process's RSS from before the clients
  connect to after, divided by the clients on it; CPU used while the load runs.

The same clients and load then run against a bare reference written below: two ``websockets``
server processes, each subscribed to one Redis pub/sub channel per conversation. A send is
numbered (Redis INCR), published, and each process forwards it to its local member sockets.
No database, no presence, no permission beyond channel membership: the floor for this fan-out
on this machine. Target: Relais p99 within 3x the reference's, and no message lost.

The script sets its own DATABASE_URL and REDIS_URL: the database ``relais_bench_chat`` on
127.0.0.1:5432 (created and migrated when missing, its data reused by later runs;
``--rebuild`` starts over) and Redis database 6 (override with BENCH_CHAT_DATABASE_URL and
BENCH_CHAT_REDIS_URL). The servers run with DEBUG=false, as in production, and HTTPS=false.
bench/run.py (``make bench``) runs it when DATABASE_URL and REDIS_URL are set.

    .venv/bin/python bench/chat.py                           # 1,000 clients, 5 msg/s, 90 s
    .venv/bin/python bench/chat.py --clients 50 --seconds 5  # a quick look
    .venv/bin/python bench/chat.py --only relais --keep-logs # Relais alone; keep Daphne's logs

Before measuring, ten messages warm every process up (the first send of a Daphne process pays
about a second of imports). Besides the figures above the table shows the ``message.sent``
answer time, whether latency grew during the load (p50 of the first and last 5 seconds: a
growing queue means the server cannot keep up), CPU of the servers, the clients and the whole
machine (the machine is shared: other work shows there), and what Daphne logged.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import json
import os
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http import HTTPStatus
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parents[1]
# First, so the chat app is found before this file (bench/chat.py).
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("BENCH_CHAT_DATABASE_URL",
                              "postgres://postgres@127.0.0.1:5432/relais_bench_chat")
REDIS_URL = os.environ.get("BENCH_CHAT_REDIS_URL", "redis://127.0.0.1:6379/6")
SERVER_ENV = {"DJANGO_SETTINGS_MODULE": "network.settings", "DEBUG": "false", "HTTPS": "false",
              "SECRET_KEY": uuid.uuid4().hex * 2, "STATIC_MANIFEST": "false",
              "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL}

CHANNELS, CHANNELS_PER_PERSON = 50, 3
PEOPLE_DOMAIN = "@chat.bench.example"
OWNER_EMAIL = f"owner{PEOPLE_DOMAIN}"
TOKEN_NAME = "bench-chat"
REFERENCE_PREFIX = "bench-chat-ref"
PR_SET_PDEATHSIG = 1
TARGET_P99_RATIO = 3

CONNECTING_AT_ONCE = 20  # handshakes in flight; more only makes Daphne time some out
QUIET_SECONDS = 2.0  # no frame for this long: the connection storm is over
SETTLE_LIMIT_SECONDS = 300
DRAIN_IDLE_SECONDS = 5.0  # after the last send: give up waiting once nothing came for this long
DRAIN_LIMIT_SECONDS = 120
WARM_UP_RATE, WARM_UP_SECONDS = 5, 2  # ten messages before measuring
BODIES = ["Patient in room 4 is **ready** for transfer.",
          "Who can swap the on-call duty of the 14th with me?",
          "Night shift handover moves to 19:30 from Monday.",
          "The lab results interface is slow this morning; IT is on it."]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000, help="websocket clients")
    # 5 messages a second across a 1,000-person hospital is a busy moment (300 a minute);
    # --rate 20 is the stress run recorded beside it in docs/benchmarks.md.
    parser.add_argument("--rate", type=float, default=5, help="messages per second, in all")
    # 90 s: a p99 over 450 messages rather than 150, and the load spans the sockets' 30 s
    # heartbeats and 60 s credential checks, which a shorter run can miss.
    parser.add_argument("--seconds", type=float, default=90, help="how long messages are sent")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--only", choices=["relais", "reference"], help="measure one server")
    parser.add_argument("--rebuild", action="store_true", help="drop the data and build again")
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a target is not met")
    # Internal: this file is also the reference server, run in subprocesses.
    parser.add_argument("--serve-reference", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--directory", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- The database and the data ---------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    index: int
    user_id: int
    secret: str
    conversations: tuple[int, ...]


def prepare_database(rebuild: bool) -> None:
    """Create the database when missing (after dropping it with --rebuild), then migrate."""
    import psycopg

    name = urlsplit(DATABASE_URL).path.lstrip("/")
    server_url = urlunsplit(urlsplit(DATABASE_URL)._replace(path="/postgres"))
    with psycopg.connect(server_url, autocommit=True) as server:
        if rebuild:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if server.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                          [name]).fetchone() is None:
            server.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                   cwd=ROOT, env={**os.environ, **SERVER_ENV}, check=True)


def setup_django() -> None:
    os.environ.update(SERVER_ENV)
    import django

    django.setup()


def person_email(index: int) -> str:
    return f"person{index}{PEOPLE_DOMAIN}"


def channels_of(index: int) -> list[int]:
    """The channel numbers of a person: the same on every run, so built data stays valid."""
    return random.Random(index).sample(range(CHANNELS), CHANNELS_PER_PERSON)


def ensure_channels(owner) -> list:
    from chat.services import ensure_channel
    from groups import services as groups
    from groups.models import Group

    channels = []
    for number in range(CHANNELS):
        name = f"Bench channel {number:02}"
        group = Group.objects.filter(name=name, created_by=owner).first()
        if group is None:
            group = groups.create_group(creator=owner, name=name,
                                        visibility=Group.Visibility.PRIVATE)
        ensure_channel(group)
        channels.append(group)
    return channels


def ensure_people(count: int, channels: list) -> dict[int, int]:
    """People 0 .. count-1 with their memberships, added in bulk; returns index -> user id."""
    from accounts.models import User
    from groups.models import Membership

    existing = dict(User.objects.filter(email__startswith="person",
                                        email__endswith=PEOPLE_DOMAIN)
                    .values_list("email", "id"))
    missing = [index for index in range(count) if person_email(index) not in existing]
    created = User.objects.bulk_create(
        User(email=person_email(index), display_name=f"Bench person {index}", password="!")
        for index in missing)
    Membership.objects.bulk_create(
        [Membership(group=channels[number], user=user, role=Membership.Role.MEMBER)
         for index, user in zip(missing, created, strict=True)
         for number in channels_of(index)], ignore_conflicts=True)
    existing.update((user.email, user.id) for user in created)
    return {index: existing[person_email(index)] for index in range(count)}


def build(count: int) -> list[Person]:
    """The people, their channels (read back from the database) and fresh API tokens."""
    from accounts.models import ApiToken, User
    from accounts.services import create_api_token
    from chat.models import Conversation

    watch = time.perf_counter()
    owner, _created = User.objects.get_or_create(
        email=OWNER_EMAIL, defaults={"display_name": "Bench channel owner", "password": "!"})
    channels = ensure_channels(owner)
    user_ids = ensure_people(count, channels)
    conversations = defaultdict(list)
    for user_id, conversation_id in (Conversation.objects
                                     .filter(group__in=channels,
                                             group__memberships__user_id__in=user_ids.values())
                                     .values_list("group__memberships__user_id", "id")):
        conversations[user_id].append(conversation_id)
    ApiToken.objects.filter(name=TOKEN_NAME).delete()
    users = User.objects.in_bulk(user_ids.values())
    people = [Person(index, user_id, create_api_token(user=users[user_id], name=TOKEN_NAME)[1],
                     tuple(sorted(conversations[user_id])))
              for index, user_id in user_ids.items()]
    print(f"data: {count:,} people, {CHANNELS} private channels, {CHANNELS_PER_PERSON} per "
          f"person; ready in {time.perf_counter() - watch:.1f} s", flush=True)
    return people


def clear_redis() -> None:
    """Forget the channel layer's groups and queues and the reference's counter.

    Daphne stopped with SIGTERM leaves its sockets in the layer's groups (for the layer's
    group_expiry, a day): every later event would still be queued for the dead processes."""
    from redis import Redis

    redis = Redis.from_url(REDIS_URL)
    for pattern in ("relais*", f"{REFERENCE_PREFIX}*"):
        keys = list(redis.scan_iter(match=pattern, count=1000))
        if keys:
            redis.delete(*keys)
    redis.close()


def clean_up_runs() -> None:
    """Remove what a run leaves (messages, events, presence, tokens, layer state): the
    database and the Redis database are the benchmark's own."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from accounts.models import ApiToken
    from chat.models import LastSeen, Message, Presence, ReadState
    from network.models import Event
    from search.models import Entry

    Message.objects.all().delete()
    Entry.objects.filter(kind="message").delete()
    DBTaskResult.objects.all().delete()
    for model in (ReadState, Presence, LastSeen, Event):
        model.objects.all().delete()
    ApiToken.objects.filter(name=TOKEN_NAME).delete()
    connection.close()
    clear_redis()


# --- Server processes ------------------------------------------------------------------------

@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def uri(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/"

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError(f"no VmRSS for {self.name}")

    def cpu_seconds(self) -> float:
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def die_with_parent() -> None:
    """Run in the child before exec: SIGTERM when the benchmark dies, even killed (Linux)."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_server(name: str, command: list[str], port: int, env: dict, workdir: Path) -> Server:
    log = workdir / f"{name}.log"
    with log.open("wb") as output:
        # A session of its own: a Ctrl-C reaches the benchmark only, which stops the servers.
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True,
                                   preexec_fn=die_with_parent)
    return Server(name, port, process, log)


def wait_listening(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited:\n{server.log_tail()}")
        try:
            socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{server.name} is not listening after {timeout:.0f} s")


def wait_indexed(timeout: float = 30) -> int:
    """How many of the run's messages the worker has not indexed ``timeout`` s after the
    load (0: it kept up)."""
    from django.db import connection

    from chat.models import Message
    from search.models import Entry

    deadline = time.monotonic() + timeout
    while True:
        ids = set(Message.objects.values_list("id", flat=True))
        indexed = set(Entry.objects.filter(kind="message", object_id__in=ids)
                      .values_list("object_id", flat=True))
        connection.close()
        if ids <= indexed or time.monotonic() > deadline:
            return len(ids - indexed)
        time.sleep(0.5)


def start_relais(workdir: Path) -> list[Server]:
    servers = []
    for number in (1, 2):
        port = free_port()
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                   "network.asgi:application"]
        servers.append(start_server(f"daphne-{number}", command, port,
                                    {**os.environ, **SERVER_ENV}, workdir))
    return servers


def start_worker(workdir: Path) -> Server:
    """The task worker production runs beside Daphne: it writes the messages' search
    entries (chat.tasks.index_message) while the load runs, on the same cores."""
    command = [sys.executable, "manage.py", "db_worker", "--interval", "0.5", "--no-reload"]
    return start_server("worker", command, 0, {**os.environ, **SERVER_ENV}, workdir)


def start_reference(workdir: Path, people: list[Person]) -> list[Server]:
    directory = workdir / "reference-directory.json"
    directory.touch(mode=0o600)
    directory.write_text(json.dumps({person.secret: {"user_id": person.user_id,
                                                     "conversations": person.conversations}
                                     for person in people}))
    servers = []
    for number in (1, 2):
        port = free_port()
        command = [sys.executable, str(Path(__file__).resolve()), "--serve-reference",
                   str(port), "--directory", str(directory)]
        servers.append(start_server(f"reference-{number}", command, port,
                                    {**os.environ, "REDIS_URL": REDIS_URL}, workdir))
    return servers


# --- The reference server (run in its own process) -------------------------------------------

def bearer(authorization: str | None) -> str:
    scheme, _, secret = (authorization or "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


async def serve_reference(port: int, directory_path: str) -> None:
    """A bare chat relay: token check, channel membership, Redis pub/sub fan-out."""
    from redis.asyncio import Redis
    from websockets.asyncio.server import broadcast, serve

    directory = json.loads(Path(directory_path).read_text())
    redis = Redis.from_url(os.environ["REDIS_URL"])
    local: dict[int, set] = defaultdict(set)  # conversation id -> this process's sockets
    pubsub = redis.pubsub()
    conversations = {cid for person in directory.values() for cid in person["conversations"]}
    await pubsub.subscribe(*(f"{REFERENCE_PREFIX}.{cid}" for cid in sorted(conversations)))

    async def forward():
        async for item in pubsub.listen():
            if item["type"] == "message":
                cid = int(item["channel"].rsplit(b".", 1)[1])
                broadcast(local[cid], item["data"].decode())

    def refuse_strangers(connection, request):
        if bearer(request.headers.get("Authorization")) not in directory:
            return connection.respond(HTTPStatus.FORBIDDEN, "No valid credentials.\n")
        return None

    async def relay(person: dict, frame: dict, ws) -> None:
        cid, ref = frame.get("conversation_id"), frame.get("ref")
        if cid not in person["conversations"]:
            await ws.send(json.dumps({"type": "error", "code": "not_found", "ref": ref}))
            return
        number = await redis.incr(f"{REFERENCE_PREFIX}:message-id")
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        message = {"id": number, "conversation_id": cid, "seq": number,
                   "author": {"id": person["user_id"]}, "client_id": frame.get("client_id"),
                   "body": frame.get("body"), "created": created}
        await redis.publish(f"{REFERENCE_PREFIX}.{cid}", json.dumps(
            {"id": number, "type": "message.created", "stream": f"conversation.{cid}",
             "created": created, "data": {"message": message}}))
        await ws.send(json.dumps({"type": "message.sent", "ref": ref,
                                  "client_id": frame.get("client_id"), "message": message}))

    async def session(ws) -> None:
        person = directory[bearer(ws.request.headers.get("Authorization"))]
        for cid in person["conversations"]:
            local[cid].add(ws)
        try:
            await ws.send(json.dumps({"type": "session.ready", "user_id": person["user_id"],
                                      "last_event_id": 0}))
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "message.send":
                    await relay(person, frame, ws)
        finally:
            for cid in person["conversations"]:
                local[cid].discard(ws)

    forwarder = asyncio.create_task(forward())
    async with serve(session, "127.0.0.1", port, process_request=refuse_strangers,
                     compression=None):
        await forwarder


# --- Clients and the load --------------------------------------------------------------------

@dataclass
class Sent:
    at: float
    conversation_id: int
    expected: int
    delivered: int = 0


@dataclass(eq=False)
class Client:
    person: Person
    uri: str
    ws: object = None
    seen: set[int] = field(default_factory=set)  # message ids received
    reader: asyncio.Task | None = None


@dataclass
class Recorder:
    """What every client hears. Frames are timed when they are read, before decoding."""

    sent: dict[str, Sent] = field(default_factory=dict)  # client_id -> the send
    deliveries: list[tuple[float, float]] = field(default_factory=list)  # (sent at, latency)
    acks: list[float] = field(default_factory=list)
    frames: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    duplicates: int = 0
    unexpected: int = 0  # a message delivered to a socket outside its channel
    delivered: int = 0
    closed: int = 0
    last_frame: float = 0.0
    last_delivery: float = 0.0

    def forget(self) -> None:
        """Drop the deliveries recorded so far (the warm-up); frame counts stay."""
        self.sent, self.deliveries, self.acks = {}, [], []
        self.errors = Counter()
        self.duplicates = self.unexpected = self.delivered = 0

    def hear(self, client: Client, raw, now: float) -> None:
        self.last_frame = now
        frame = json.loads(raw)
        kind = frame.get("type")
        self.frames[kind] += 1
        if kind == "message.created":
            self.delivery(client, frame["data"]["message"], now)
        elif kind == "message.sent":
            sent = self.sent.get(frame.get("client_id"))
            if sent is not None:
                self.acks.append(now - sent.at)
        elif kind == "error":
            self.errors[frame.get("code")] += 1

    def delivery(self, client: Client, message: dict, now: float) -> None:
        sent = self.sent.get(message.get("client_id"))
        if sent is None:
            return  # not sent by this run
        if message["id"] in client.seen:
            self.duplicates += 1
            return
        client.seen.add(message["id"])
        if sent.conversation_id not in client.person.conversations:
            self.unexpected += 1
        sent.delivered += 1
        self.delivered += 1
        self.last_delivery = now
        self.deliveries.append((sent.at, now - sent.at))


async def read_frames(client: Client, recorder: Recorder) -> None:
    try:
        async for raw in client.ws:
            recorder.hear(client, raw, time.perf_counter())
    except ConnectionClosed:
        pass
    recorder.closed += 1


async def open_client(client: Client, recorder: Recorder, gate: asyncio.Semaphore) -> None:
    from websockets.asyncio.client import connect

    async with gate:
        client.ws = await connect(
            client.uri, additional_headers={"Authorization": f"Bearer {client.person.secret}"},
            compression=None, proxy=None, ping_interval=None, open_timeout=120, max_size=None)
        while True:  # session.ready comes first; anything else before it is counted
            raw = await asyncio.wait_for(client.ws.recv(), timeout=60)
            if json.loads(raw).get("type") == "session.ready":
                break
            recorder.hear(client, raw, time.perf_counter())
    client.reader = asyncio.create_task(read_frames(client, recorder))


async def settle(recorder: Recorder) -> tuple[float, int]:
    """Wait until no frame came for QUIET_SECONDS (presence of the new connections)."""
    started, frames = time.perf_counter(), sum(recorder.frames.values())
    recorder.last_frame = max(recorder.last_frame, started)
    while time.perf_counter() - recorder.last_frame < QUIET_SECONDS:
        if time.perf_counter() - started > SETTLE_LIMIT_SECONDS:
            break
        await asyncio.sleep(0.1)
    return time.perf_counter() - started, sum(recorder.frames.values()) - frames


async def send_load(clients: list[Client], members: Counter, recorder: Recorder,
                    rate: float, seconds: float, rng: random.Random) -> float:
    """``message.send`` at a fixed rate, open loop; returns the largest lag behind schedule."""
    started, lag = time.perf_counter(), 0.0
    for number in range(round(rate * seconds)):
        due = started + number / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lag = max(lag, time.perf_counter() - due)
        sender = rng.choice(clients)
        conversation_id = rng.choice(sender.person.conversations)
        client_id = str(uuid.uuid4())
        frame = json.dumps({"type": "message.send", "ref": number,
                            "conversation_id": conversation_id, "client_id": client_id,
                            "body": f"{rng.choice(BODIES)} ({number})"})
        recorder.sent[client_id] = Sent(time.perf_counter(), conversation_id,
                                        members[conversation_id])
        try:
            await sender.ws.send(frame)
        except ConnectionClosed:  # the server closed it: counted, and the run goes on
            del recorder.sent[client_id]
            recorder.errors["socket closed"] += 1
    return lag


async def warm_up(clients: list[Client], members: Counter, recorder: Recorder) -> None:
    """A few messages through every process first: the first send of a process pays for
    imports and caches (about a second for Relais), which no steady state pays."""
    await send_load(clients, members, recorder, rate=WARM_UP_RATE, seconds=WARM_UP_SECONDS,
                    rng=random.Random(0))
    await drain(recorder, sum(sent.expected for sent in recorder.sent.values()))
    await settle(recorder)
    recorder.forget()


async def drain(recorder: Recorder, expected: int) -> None:
    """Wait for the last deliveries: all expected, or nothing new for DRAIN_IDLE_SECONDS."""
    started = time.perf_counter()
    while recorder.delivered < expected:
        now = time.perf_counter()
        quiet_since = max(recorder.last_delivery, started)
        if now - quiet_since > DRAIN_IDLE_SECONDS or now - started > DRAIN_LIMIT_SECONDS:
            break
        await asyncio.sleep(0.1)


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class Usage:
    """CPU used while the load runs, as a share of one core (machine: of all cores)."""

    servers: float = 0.0
    client: float = 0.0
    machine: float = 0.0


class CpuWatch:
    def __init__(self, servers: list[Server]):
        self.servers = servers
        self.wall = time.perf_counter()
        self.server_seconds = sum(server.cpu_seconds() for server in servers)
        self.client_seconds = time.process_time()
        self.busy, self.total = machine_busy()

    def usage(self) -> Usage:
        wall = time.perf_counter() - self.wall
        busy, total = machine_busy()
        return Usage(
            servers=(sum(server.cpu_seconds() for server in self.servers)
                     - self.server_seconds) / wall,
            client=(time.process_time() - self.client_seconds) / wall,
            machine=(busy - self.busy) / max(1, total - self.total))


@dataclass
class Result:
    name: str
    clients: int
    rss_before: list[int]
    rss_after: list[int]
    connect_seconds: float
    settle_seconds: float
    settle_frames: int
    recorder: Recorder
    started: float = 0.0  # when the load began (perf_counter)
    send_seconds: float = 0.0
    window_seconds: float = 0.0  # from the first send to the last delivery
    sender_lag: float = 0.0
    usage: Usage = field(default_factory=Usage)
    window_frames: Counter = field(default_factory=Counter)
    log_marks: list[int] = field(default_factory=list)  # the logs' sizes when the load began
    closed_before_load: int = 0
    unindexed: int | None = None  # Relais: messages the task worker had not indexed

    @property
    def expected(self) -> int:
        return sum(sent.expected for sent in self.recorder.sent.values())

    @property
    def lost(self) -> int:
        return sum(sent.expected - sent.delivered for sent in self.recorder.sent.values())

    @property
    def per_connection_kib(self) -> float:
        return (sum(self.rss_after) - sum(self.rss_before)) / self.clients

    @property
    def latencies(self) -> list[float]:
        return [latency for _sent_at, latency in self.recorder.deliveries]

    def sent_between(self, start: float, end: float) -> list[float]:
        """Latencies of the messages sent from ``start`` to ``end`` s into the load."""
        return [latency for sent_at, latency in self.recorder.deliveries
                if start <= sent_at - self.started < end]

    @staticmethod
    def percentile(values: list[float], share: float) -> float:
        """In ms, nearest rank."""
        if not values:
            return float("nan")
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


async def connect_all(name: str, servers: list[Server], clients: list[Client],
                      recorder: Recorder) -> Result:
    """Open every socket, then wait for the storm of presence frames to pass."""
    rss_before = [server.rss_kib() for server in servers]
    print(f"{name}: connecting {len(clients):,} clients", flush=True)
    started = time.perf_counter()
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
    await asyncio.gather(*(open_client(client, recorder, gate) for client in clients))
    connect_seconds = time.perf_counter() - started
    rss_after = [server.rss_kib() for server in servers]
    settle_seconds, settle_frames = await settle(recorder)
    print(f"{name}: connected in {connect_seconds:.1f} s, quiet {settle_seconds:.1f} s later "
          f"({settle_frames:,} frames)", flush=True)
    return Result(name, len(clients), rss_before, rss_after, connect_seconds, settle_seconds,
                  settle_frames, recorder)


async def apply_load(result: Result, servers: list[Server], clients: list[Client], args
                     ) -> None:
    recorder = result.recorder
    members = Counter(cid for client in clients for cid in client.person.conversations)
    await warm_up(clients, members, recorder)
    print(f"{result.name}: warmed up; sending {args.rate:g} msg/s for {args.seconds:g} s",
          flush=True)
    frames_before = Counter(recorder.frames)
    result.log_marks = [server.log.stat().st_size for server in servers]
    result.closed_before_load = recorder.closed
    cpu = CpuWatch(servers)
    result.started = time.perf_counter()
    result.sender_lag = await send_load(clients, members, recorder, args.rate, args.seconds,
                                        random.Random(args.seed))
    result.send_seconds = time.perf_counter() - result.started
    await drain(recorder, result.expected)
    result.usage = cpu.usage()
    result.window_seconds = max(recorder.last_delivery - result.started, result.send_seconds)
    result.window_frames = recorder.frames - frames_before


async def measure(name: str, servers: list[Server], people: list[Person], args) -> Result:
    recorder = Recorder()
    clients = [Client(person, servers[i % len(servers)].uri) for i, person in enumerate(people)]
    try:
        result = await connect_all(name, servers, clients, recorder)
        await apply_load(result, servers, clients, args)
    finally:
        for client in clients:
            if client.reader is not None:
                client.reader.cancel()
            if client.ws is not None:
                client.ws.transport.abort()
    return result


def run_against(name: str, servers: list[Server], people: list[Person], args) -> Result:
    """Start the servers, measure, and stop them whatever happens."""
    try:
        for server in servers:
            wait_listening(server)
        time.sleep(1)  # let the fresh processes finish starting before the RSS baseline
        result = asyncio.run(measure(name, servers, people, args))
        for server in servers:
            if server.process.poll() is not None:
                raise RuntimeError(f"{server.name} died during the run:\n{server.log_tail()}")
        return result
    finally:
        for server in servers:
            server.stop()


# --- Report ----------------------------------------------------------------------------------

def machine_line() -> str:
    from django.db import connection

    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?")
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    connection.close()
    versions = ", ".join(f"{package} {version(package)}" for package in
                         ("Django", "channels", "channels-redis", "daphne", "websockets"))
    return (f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB, load average {load}; "
            f"PostgreSQL {postgres}; Python {sys.version.split()[0]}, {versions}")


def report_rows(result: Result) -> dict[str, str]:
    recorder = result.recorder
    pct = result.percentile
    other = {kind: count for kind, count in result.window_frames.items()
             if kind not in ("message.created", "message.sent")}
    last = result.send_seconds
    return {
        "delivery latency p50 ms": f"{pct(result.latencies, 0.50):.1f}",
        "delivery latency p95 ms": f"{pct(result.latencies, 0.95):.1f}",
        "delivery latency p99 ms": f"{pct(result.latencies, 0.99):.1f}",
        "delivery latency max ms": f"{max(result.latencies, default=0) * 1000:.0f}",
        "p50, first -> last 5 s ms": (f"{pct(result.sent_between(0, 5), 0.5):.0f} -> "
                                      f"{pct(result.sent_between(last - 5, last), 0.5):.0f}"),
        "delivered / s": f"{recorder.delivered / result.window_seconds:,.0f}",
        "delivered / expected": f"{recorder.delivered:,} / {result.expected:,}",
        "lost": f"{result.lost:,}",
        "duplicated": f"{recorder.duplicates:,}",
        "to a non-member": f"{recorder.unexpected:,}",
        "send errors": ", ".join(f"{code} {n}" for code, n in recorder.errors.items()) or "0",
        "not indexed 30 s later": ("-" if result.unindexed is None
                                   else f"{result.unindexed:,}"),
        "message.sent p50 / p99 ms": (f"{pct(recorder.acks, 0.5):.1f} / "
                                      f"{pct(recorder.acks, 0.99):.1f}"),
        "memory per connection KiB": f"{result.per_connection_kib:.0f}",
        "RSS before -> after MiB": " + ".join(
            f"{before / 1024:.0f}->{after / 1024:.0f}"
            for before, after in zip(result.rss_before, result.rss_after, strict=True)),
        "connecting all clients s": f"{result.connect_seconds:.1f}",
        "frames until quiet": f"{result.settle_frames:,} in {result.settle_seconds:.0f} s",
        "other frames under load": ", ".join(f"{k} {n}" for k, n in other.items()) or "0",
        "server CPU, % of a core": f"{result.usage.servers * 100:.0f}",
        "client CPU, % of a core": f"{result.usage.client * 100:.0f}",
        "machine CPU busy %": f"{result.usage.machine * 100:.0f}",
        "sender lag max ms": f"{result.sender_lag * 1000:.0f}",
        "sockets closed: before / in load": (f"{result.closed_before_load:,} / "
                                             f"{recorder.closed - result.closed_before_load:,}"),
    }


def print_report(results: list[Result], args) -> bool:
    fanout = statistics.mean(sent.expected for sent in results[0].recorder.sent.values())
    print(f"\n{args.clients:,} clients over 2 processes, {CHANNELS} private channels, "
          f"{CHANNELS_PER_PERSON} per person; {args.rate:g} msg/s for {args.seconds:g} s "
          f"(mean fan-out {fanout:.1f} sockets per message, the sender's included)")
    rows = [report_rows(result) for result in results]
    print(f"  {'':<28}" + "".join(f"{result.name:>24}" for result in results))
    for label in rows[0]:
        print(f"  {label:<28}" + "".join(f"{row[label]:>24}" for row in rows))

    verdicts = []
    by_name = {result.name: result for result in results}
    print("\ntargets")
    relais = by_name.get("Relais")
    if relais is not None:
        clean = relais.lost == 0 and relais.recorder.duplicates == 0
        verdicts.append(clean)
        print(f"  {'met    ' if clean else 'NOT MET'}  Relais: zero loss and zero duplicates "
              f"({relais.lost:,} lost, {relais.recorder.duplicates:,} duplicated of "
              f"{relais.expected:,} deliveries)")
    if relais is not None and "reference" in by_name:
        ratio = (Result.percentile(relais.latencies, 0.99)
                 / Result.percentile(by_name["reference"].latencies, 0.99))
        verdicts.append(ratio <= TARGET_P99_RATIO)
        print(f"  {'met    ' if ratio <= TARGET_P99_RATIO else 'NOT MET'}  Relais p99 "
              f"{ratio:.2f}x the reference's <= {TARGET_P99_RATIO}x")
    if relais is None:
        print("  (Relais not measured)")
    reference = by_name.get("reference")
    if reference is not None and (reference.lost or reference.recorder.duplicates):
        print(f"  (the reference itself lost {reference.lost:,} and duplicated "
              f"{reference.recorder.duplicates:,}: the machine or the clients are saturated)")
    return all(verdicts)


LOGGED = {  # what Daphne's log may say -> what it means
    "Exception inside application": "consumer crashes (socket closed with 1011)",
    "over capacity": "group sends dropped by channels-redis (a process's queue was full)",
    "message.send failed": "message.send failures (server_error answers)",
    "presence update failed": "presence update failures",
    "presence heartbeat failed": "presence heartbeat failures",
}


def log_findings(servers: list[Server], marks: list[int]) -> Counter:
    """Counts of LOGGED in the servers' logs, before the load began and after."""
    findings = Counter()
    for server, mark in zip(servers, marks or [0] * len(servers), strict=True):
        text = server.log.read_bytes().decode(errors="replace")
        for needle, meaning in LOGGED.items():
            findings[f"{meaning}, before the load"] += text[:mark].count(needle)
            findings[f"{meaning}, under the load"] += text[mark:].count(needle)
    return findings


# --- Main ------------------------------------------------------------------------------------

def raise_open_files(clients: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = clients * 2 + 1024  # the clients here; the servers inherit the limit
    if soft < wanted:
        limit = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
        if limit < wanted:
            print(f"warning: open files limited to {limit}; {clients} clients may fail")


def main() -> int:
    args = parse_args()
    if args.serve_reference:
        asyncio.run(serve_reference(args.serve_reference, args.directory))
        return 0
    # Stopped by a signal, the benchmark still runs its clean-up (finally blocks).
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(128 + signal.SIGTERM))
    raise_open_files(args.clients)
    prepare_database(args.rebuild)
    setup_django()
    clean_up_runs()
    people = build(args.clients)
    print(machine_line(), flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="relais-bench-chat-"))
    results, findings = [], Counter()
    try:
        if args.only in (None, "relais"):
            servers, worker = start_relais(workdir), start_worker(workdir)
            try:
                results.append(run_against("Relais", servers, people, args))
                results[-1].unindexed = wait_indexed()
            finally:
                worker.stop()
            findings = log_findings(servers, results[-1].log_marks)
            args.keep_logs = args.keep_logs or any(
                count for finding, count in findings.items() if "crash" in finding)
            clean_up_runs()
        if args.only in (None, "reference"):
            results.append(run_against("reference", start_reference(workdir, people),
                                       people, args))
    except BaseException:
        args.keep_logs = True
        raise
    finally:
        clean_up_runs()
        (workdir / "reference-directory.json").unlink(missing_ok=True)  # tokens
        if args.keep_logs:
            print(f"the servers' logs are in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    met = print_report(results, args)
    if os.environ.get("BENCH_CHAT_DUMP"):
        # For a closer look: every delivery as (seconds into the load, latency in ms), and
        # when the load began (Unix time) to compare with the servers' logs.
        now_offset = time.time() - time.perf_counter()
        Path(os.environ["BENCH_CHAT_DUMP"]).write_text(json.dumps({
            result.name: {"started": result.started + now_offset, "deliveries": [
                (round(sent_at - result.started, 3), round(latency * 1000, 2))
                for sent_at, latency in result.recorder.deliveries]}
            for result in results}))
    logged = {finding: count for finding, count in findings.items() if count}
    if logged:
        print("\nDaphne's logs")
    for finding, count in logged.items():
        print(f"  {count:>6,}  {finding}")
    return 1 if args.strict and not met else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted (the servers are stopped)")
