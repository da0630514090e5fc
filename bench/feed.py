"""The news feed, announcement receipts and acknowledgements at hospital scale (issue 3).

Builds once, with bulk inserts, 10,000 people, 2,000 groups (each person in 10 to 40 of them,
skewed sizes, one all-staff group with everyone) and 1,000,000 posts over a year with comments,
reactions, polls, pinned posts and announcements, in a dedicated PostgreSQL database that later
runs reuse (``--rebuild`` starts over). Then measures, each beside a bare reference doing the
same work:

- the first and a deep feed page for many people, through ``feed_for``, the web view and the
  API, beside the bare keyset query returning the same post ids (checked to be the same);
- the receipts dashboard of a 10,000-reader announcement, beside a bare COUNT query;
- 10,000 acknowledgements posted concurrently through ``feed.services.acknowledge``, beside
  plain ``INSERT ... ON CONFLICT DO NOTHING`` of the same rows.

PostgreSQL only. The data lives in its own database (``relais_bench_feed``, or
``BENCH_FEED_DATABASE``) on the server named by DATABASE_URL, never in the database the URL
names, and never in ``relais_bench``, which bench_visible_groups.py creates and drops.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relais_bench .venv/bin/python bench/feed.py
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import logging
import math
import os
import queue
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PEOPLE, GROUPS, POSTS = 10_000, 2_000, 1_000_000
GROUPS_PER_PERSON = (10, 40)  # all-staff included
COMMENTS, REACTIONS, VOTES_PER_POLL = 300_000, 600_000, 15
ANNOUNCEMENT_SHARE, REQUIRED_SHARE, POLL_SHARE = 0.01, 0.25, 0.003
ALL_STAFF_POST_SHARE = 0.002
ACK_WINDOW = timedelta(days=14)
# Bump when the data built changes, so an old database is rebuilt rather than reused.
DATA_VERSION = 2
MARK = "[bench run]"  # bodies of the posts a run creates; removed at the end of each run

FEED_TARGET_MS, FEED_TARGET_RATIO, DASHBOARD_TARGET_MS = 50, 3, 100
DELIVERY_SAMPLE = 1_000  # recipients of the big announcement whose email and push are timed


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="drop the data and build again")
    parser.add_argument("--people", type=int, default=200, help="people sampled for the feed")
    parser.add_argument("--rounds", type=int, default=2, help="timed calls per person and page")
    parser.add_argument("--deep-page", type=int, default=10, help="which page is the deep one")
    parser.add_argument("--dashboard-rounds", type=int, default=100)
    parser.add_argument("--threads", type=int, default=12, help="concurrent acknowledgers")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--build-only", action="store_true", help="build (or check) and stop")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a target of the issue is not met")
    return parser.parse_args()


# --- The dedicated database ------------------------------------------------------------------

def dedicated_url(url: str) -> tuple[str, str]:
    name = os.environ.get("BENCH_FEED_DATABASE", "relais_bench_feed")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}")), name


def server_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def prepare_database(url: str, name: str, rebuild: bool) -> bool:
    """Create the database if missing (dropped first when rebuilding or not fully built).
    Returns whether it holds a complete build of this DATA_VERSION."""
    import psycopg

    with psycopg.connect(server_url(url), autocommit=True) as server:
        exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                [name]).fetchone() is not None
        built = False
        if exists and not rebuild:
            with psycopg.connect(url) as bench:
                has_meta = bench.execute("SELECT to_regclass('bench_meta')").fetchone()[0]
                if has_meta:
                    row = bench.execute("SELECT max(version) FROM bench_meta").fetchone()
                    built = row is not None and row[0] == DATA_VERSION
        if exists and not built:
            server.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            server.execute(f'CREATE DATABASE "{name}"')
    return built


ARGS = parse_args() if __name__ == "__main__" else None
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
    sys.exit("bench/feed.py measures the production configuration only: set "
             "DATABASE_URL=postgres://user@host:port/any_name (it uses its own database there).")
BENCH_URL, BENCH_DB = dedicated_url(DATABASE_URL)
ALREADY_BUILT = prepare_database(BENCH_URL, BENCH_DB, rebuild=bool(ARGS and ARGS.rebuild))

os.environ["DATABASE_URL"] = BENCH_URL
workdir = tempfile.mkdtemp(prefix="relais-bench-feed-")
os.environ.setdefault("RELAIS_VAR_DIR", workdir)
os.environ.setdefault("MEDIA_ROOT", os.path.join(workdir, "media"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import warnings  # noqa: E402

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")
django.setup()
# The immediate task backend logs every event-log pruning it runs.
logging.getLogger("django_tasks").setLevel(logging.WARNING)

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

# Measure the production path: receipt counts throttled to one push a second per
# announcement (the test settings push after every change so tests can see each one).
settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "receipt_push_seconds": 1}
from django.core import mail  # noqa: E402
from django.db import DatabaseError, connection, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from accounts.models import ApiToken, User  # noqa: E402
from accounts.services import create_api_token  # noqa: E402
from feed import selectors, services  # noqa: E402
from feed.models import REACTION_EMOJI, Post  # noqa: E402
from groups.models import Group  # noqa: E402
from notifications.tasks import deliver_notifications  # noqa: E402


def sql(statement: str, params=None):
    with connection.cursor() as cursor:
        # Always with parameters, so %% means % in every statement.
        cursor.execute(statement, params if params is not None else [])
        return cursor.fetchall() if cursor.description else None


def copy_rows(table: str, columns: list[str], rows) -> None:
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


class Stopwatch:
    def __init__(self):
        self.start = self.lap_start = time.perf_counter()

    def lap(self, label: str) -> None:
        now = time.perf_counter()
        print(f"  {label:<58} {now - self.lap_start:6.1f} s", flush=True)
        self.lap_start = now

    @property
    def total(self) -> float:
        return time.perf_counter() - self.start


# --- Building the data -----------------------------------------------------------------------

FIRST = ["Camille", "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Louis", "Inès", "Jules", "Sarah",
         "Nathan", "Emma", "Mathis", "Jade", "Yanis", "Zoé", "Adam", "Lina", "Noah", "Alice",
         "Karim", "Fatou", "Julien", "Claire", "Thomas", "Amina", "Paul", "Elodie", "Marc", "Ana"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
        "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David",
        "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "Andre", "Mercier",
        "Dupont", "Lambert", "Bonnet", "Francois", "Martinez", "Legrand", "Diallo", "Nguyen"]
DEPARTMENTS = ["Cardiology", "Emergency", "Intensive care", "Oncology", "Paediatrics",
               "Maternity", "Radiology", "Pharmacy", "Laboratory", "Surgery", "Anaesthesia",
               "Geriatrics", "Psychiatry", "Neurology", "Nephrology", "Orthopaedics", "IT",
               "Biomedical", "Human resources", "Quality", "Finance", "Logistics", "Catering",
               "Cleaning", "Security"]
TITLES = ["Nurse", "Senior nurse", "Nursing assistant", "Physician", "Resident", "Surgeon",
          "Pharmacist", "Technician", "Midwife", "Physiotherapist", "Secretary", "Manager",
          "Engineer", "Porter", "Analyst"]
TOPICS = ["Ward", "Team", "Unit", "Committee", "Project", "Working group", "Rota", "Network",
          "Club", "Training"]
SENTENCES = [
    "The night shift handover moves to 19:30 from Monday.",
    "Reminder: hand hygiene audit on all wards this week.",
    "New infusion pumps arrive on Thursday; training sessions are in the library.",
    "Thanks to everyone who covered the extra shifts during the weekend.",
    "The cafeteria on level 2 is closed for maintenance until Friday.",
    "Please check the updated sepsis protocol before your next shift.",
    "Who can swap the on-call duty of the 14th with me?",
    "Minutes of yesterday's meeting are in the group's documents.",
    "Parking B is reserved for the blood drive on Saturday morning.",
    "The lab results interface is slow this morning; IT is on it.",
    "Welcome to our two new residents, who start on Monday in cardiology.",
    "Fire drill tomorrow at 10:00 in building C; patients are not moved.",
    "A reminder that allergy wristbands are now red, not yellow.",
    "Great feedback from the families about the new visiting hours.",
    "Flu vaccination sessions continue every Tuesday in the staff clinic.",
]


def post_bodies(rng: random.Random, count: int) -> list[tuple[str, str]]:
    bodies = []
    for _ in range(count):
        parts = rng.sample(SENTENCES, rng.randint(1, 3))
        bodies.append((" ".join(parts), "".join(f"<p>{p}</p>" for p in parts)))
    return bodies


def build(rng: random.Random) -> None:
    watch = Stopwatch()
    print(f"building {PEOPLE:,} people, {GROUPS:,} groups, {POSTS:,} posts in "
          f"{BENCH_DB} (once; reused until --rebuild)", flush=True)
    sql("SET synchronous_commit = off")
    # The generated rows are consistent by construction: skip the per-row foreign-key
    # triggers where the role may (superuser), which halves the build.
    try:
        with transaction.atomic():
            sql("SET session_replication_role = replica")
        triggers_off = True
    except DatabaseError:
        triggers_off = False
    sql("SET maintenance_work_mem = '512MB'")
    sql("SET work_mem = '256MB'")
    now = datetime.now(UTC)
    year = timedelta(days=365)

    # People: plain staff members, and one organisation admin who posts the announcements
    # (not a member of the all-staff group, so its audience is all 10,000 people).
    sql("""
        INSERT INTO accounts_user (password, is_superuser, email, display_name, job_title,
            department, phone, avatar, language, time_zone, kind, is_active, is_staff,
            date_joined)
        SELECT '!', false, 'person' || i || '@bench.example',
               (%(first)s::text[])[1 + i %% %(nfirst)s] || ' '
                   || (%(last)s::text[])[1 + (i * 7 + i / 13) %% %(nlast)s],
               (%(titles)s::text[])[1 + (i * 3) %% %(ntitles)s],
               (%(departments)s::text[])[1 + (i * 11 + i / 7) %% %(ndepartments)s],
               '', '', CASE WHEN i %% 5 = 0 THEN 'en' ELSE 'fr' END, 'Europe/Paris',
               'member', true, false, %(joined)s
        FROM generate_series(1, %(people)s) AS i ORDER BY i
    """, {"first": FIRST, "nfirst": len(FIRST), "last": LAST, "nlast": len(LAST),
          "titles": TITLES, "ntitles": len(TITLES), "departments": DEPARTMENTS,
          "ndepartments": len(DEPARTMENTS), "joined": now - 2 * year, "people": PEOPLE})
    User.objects.create(email="admin@bench.example", display_name="Bench Admin",
                        password="!", is_staff=True, department="Quality")
    watch.lap(f"{PEOPLE:,} people (INSERT ... SELECT generate_series)")

    sql("""
        INSERT INTO groups_group (name, slug, description, colour, visibility, is_all_staff,
            allow_guests, created, updated)
        SELECT CASE WHEN i = 1 THEN 'All staff'
                    ELSE (%(departments)s::text[])[1 + i %% %(ndepartments)s] || ' '
                         || (%(topics)s::text[])[1 + (i / 7) %% %(ntopics)s] || ' ' || i END,
               CASE WHEN i = 1 THEN 'all-staff' ELSE 'group-' || i END, '',
               (ARRAY['teal','blue','indigo','purple','pink','red','orange','green','slate'])
                   [1 + i %% 9],
               CASE WHEN i = 1 OR i %% 10 < 6 THEN 'public'
                    WHEN i %% 10 < 9 THEN 'private' ELSE 'secret' END,
               i = 1, false, %(created)s, %(created)s
        FROM generate_series(1, %(groups)s) AS i ORDER BY i
    """, {"departments": DEPARTMENTS, "ndepartments": len(DEPARTMENTS), "topics": TOPICS,
          "ntopics": len(TOPICS), "created": now - 2 * year, "groups": GROUPS})
    watch.lap(f"{GROUPS:,} groups (INSERT ... SELECT generate_series)")

    # Memberships: everyone in the all-staff group, plus 9 to 39 other groups drawn with a
    # long-tailed popularity (largest groups about 3,000 people, median about 55, smallest 15).
    user_ids = [row[0] for row in sql("SELECT id FROM accounts_user WHERE NOT is_staff "
                                      "ORDER BY id")]
    group_ids = [row[0] for row in sql("SELECT id FROM groups_group ORDER BY id")]
    all_staff, others = group_ids[0], group_ids[1:]
    rng.shuffle(others)
    cumulative = list(itertools.accumulate((rank + 10) ** -0.9 for rank in range(len(others))))
    members: dict[int, list[int]] = {gid: [] for gid in group_ids}
    for uid in user_ids:
        members[all_staff].append(uid)
        wanted = rng.randint(*GROUPS_PER_PERSON) - 1
        chosen: set[int] = set()
        while len(chosen) < wanted:
            chosen.add(others[bisect.bisect(cumulative, rng.random() * cumulative[-1])])
        for gid in chosen:
            members[gid].append(uid)
    joined = now - year - timedelta(days=30)
    roles = {0: "owner", 1: "admin", 2: "admin"}
    copy_rows("groups_membership", ["group_id", "user_id", "role", "joined_at"],
              ((gid, uid, roles.get(i, "member"), joined)
               for gid, uids in members.items() for i, uid in enumerate(uids)))
    watch.lap(f"{sum(map(len, members.values())):,} memberships (COPY)")

    # Posts: spread over the past year, in groups weighted by size ** 0.7 (bigger groups talk
    # more, not proportionally more); the all-staff group carries mostly announcements.
    weights = [len(members[gid]) ** 0.7 for gid in others]
    scale = (1 - ALL_STAFF_POST_SHARE) / sum(weights)
    post_groups = [all_staff, *others]
    post_cumulative = list(itertools.accumulate(
        [ALL_STAFF_POST_SHARE] + [w * scale for w in weights]))
    bodies = post_bodies(rng, 400)
    seconds = year.total_seconds()
    rows = []
    for _ in range(POSTS):
        gid = post_groups[min(bisect.bisect(post_cumulative, rng.random()),
                              len(post_groups) - 1)]
        created = now - timedelta(seconds=rng.random() * seconds)
        roll = rng.random()
        announcement = roll < ANNOUNCEMENT_SHARE or (gid == all_staff and roll < 0.3)
        kind = "announcement" if announcement else (
            "poll" if roll > 1 - POLL_SHARE else "post")
        requires_ack = announcement and rng.random() < REQUIRED_SHARE
        # Announcements come from the group's managers, other posts from any member.
        author = members[gid][rng.randrange(3)] if announcement else rng.choice(members[gid])
        body, html = rng.choice(bodies)
        # Half the required announcements have a deadline, half wait until acknowledged.
        deadline = created + ACK_WINDOW if requires_ack and rng.random() < 0.5 else None
        rows.append((created, gid, author, kind, body, html, requires_ack, deadline))
    rows.sort(key=lambda row: row[0])  # ids grow with time, as they do in production
    copy_rows("feed_post", ["created", "group_id", "author_id", "kind", "body", "body_html",
                            "requires_ack", "ack_deadline", "comment_count", "urgent"],
              ((*row, 0, False) for row in rows))
    del rows
    watch.lap(f"{POSTS:,} posts (COPY)")

    sql("""
        INSERT INTO feed_poll (post_id, question, multiple, anonymous, closes_at)
        SELECT id, 'Which date suits the team best?', id %% 4 = 0, id %% 3 = 0,
               created + interval '7 days'
        FROM feed_post WHERE kind = 'poll' ORDER BY id
    """)
    sql("""
        INSERT INTO feed_polloption (poll_id, label, position)
        SELECT p.id, (ARRAY['Monday', 'Wednesday', 'Friday'])[k + 1], k
        FROM feed_poll p CROSS JOIN generate_series(0, 2) AS k ORDER BY p.id, k
    """)
    sql("""
        INSERT INTO feed_pollvote (poll_id, option_id, user_id, created)
        SELECT o.poll_id, o.id, v.user_id, p.created + interval '1 hour'
        FROM (SELECT pl.id AS poll_id, floor(random() * 3)::int AS position,
                     (SELECT min(id) FROM accounts_user)
                         + floor(random() * %(people)s)::int AS user_id
              FROM feed_poll pl CROSS JOIN generate_series(1, %(votes)s)) AS v
        JOIN feed_polloption o ON o.poll_id = v.poll_id AND o.position = v.position
        JOIN feed_post p ON p.id = (SELECT post_id FROM feed_poll WHERE id = v.poll_id)
        ON CONFLICT DO NOTHING
    """, {"people": PEOPLE, "votes": VOTES_PER_POLL})
    watch.lap("polls, options and votes (INSERT ... SELECT)")

    sql("""
        INSERT INTO feed_comment (post_id, author_id, body, body_html, created)
        SELECT p.id, s.author_id, s.body, '<p>' || s.body || '</p>',
               p.created + s.delay
        FROM (SELECT (SELECT min(id) FROM feed_post) + floor(random() * %(posts)s)::bigint
                         AS post_id,
                     (SELECT min(id) FROM accounts_user)
                         + floor(random() * %(people)s)::bigint AS author_id,
                     (%(sentences)s::text[])[1 + floor(random() * %(nsentences)s)::int]
                         AS body,
                     random() * interval '2 days' AS delay
              FROM generate_series(1, %(comments)s)) AS s
        JOIN feed_post p ON p.id = s.post_id
        ORDER BY p.created + s.delay
    """, {"posts": POSTS, "people": PEOPLE, "sentences": SENTENCES,
          "nsentences": len(SENTENCES), "comments": COMMENTS})
    # One level of replies: every third later comment answers the post's first one.
    sql("""
        UPDATE feed_comment c SET parent_id = f.first_id
        FROM (SELECT post_id, min(id) AS first_id FROM feed_comment GROUP BY post_id) AS f
        WHERE c.post_id = f.post_id AND c.id <> f.first_id AND c.id %% 3 = 0
    """)
    sql("""
        UPDATE feed_post p SET comment_count = c.n
        FROM (SELECT post_id, count(*) AS n FROM feed_comment GROUP BY post_id) AS c
        WHERE p.id = c.post_id
    """)
    watch.lap(f"{COMMENTS:,} comments with replies and counts (INSERT ... SELECT)")

    sql("""
        INSERT INTO feed_reaction (post_id, user_id, emoji, created)
        SELECT p.id, s.user_id, s.emoji, p.created + interval '1 hour'
        FROM (SELECT (SELECT min(id) FROM feed_post) + floor(random() * %(posts)s)::bigint
                         AS post_id,
                     (SELECT min(id) FROM accounts_user)
                         + floor(random() * %(people)s)::bigint AS user_id,
                     (%(emoji)s::text[])[1 + floor(random() * 4)::int] AS emoji
              FROM generate_series(1, %(reactions)s)) AS s
        JOIN feed_post p ON p.id = s.post_id
        ON CONFLICT DO NOTHING
    """, {"posts": POSTS, "people": PEOPLE, "emoji": REACTION_EMOJI,
          "reactions": REACTIONS})
    watch.lap(f"{REACTIONS:,} reactions (INSERT ... SELECT ... ON CONFLICT)")

    # Pinned: the latest post of every tenth group, and two all-staff announcements.
    sql("""
        UPDATE feed_post SET pinned_at = created + interval '1 minute'
        WHERE id IN (SELECT DISTINCT ON (group_id) id FROM feed_post
                     WHERE group_id %% 10 = 0 ORDER BY group_id, created DESC)
           OR id IN (SELECT id FROM feed_post WHERE group_id = %s AND kind = 'announcement'
                     ORDER BY created DESC LIMIT 2)
    """, [all_staff])
    # Required announcements older than two days were acknowledged by 97% of their audience.
    sql("""
        INSERT INTO feed_receipt (post_id, user_id, seen_at, acknowledged_at)
        SELECT p.id, m.user_id, p.created + interval '2 hours', p.created + interval '3 hours'
        FROM feed_post p JOIN groups_membership m ON m.group_id = p.group_id
        WHERE p.requires_ack AND p.created < now() - interval '2 days'
          AND m.user_id <> p.author_id
          AND (m.user_id + p.id) %% 33 <> 0
    """)
    watch.lap("pinned posts, receipts of past required announcements")
    sql("RESET synchronous_commit")
    if triggers_off:
        sql("RESET session_replication_role")
    sql("RESET work_mem")

    sql("VACUUM ANALYZE")
    watch.lap("VACUUM ANALYZE")
    sql("CREATE TABLE bench_meta (version int, built_at timestamptz, build_seconds float)")
    sql("INSERT INTO bench_meta VALUES (%s, now(), %s)", [DATA_VERSION, watch.total])
    print(f"  {'build total':<58} {watch.total:6.1f} s", flush=True)


def describe_data() -> None:
    (people, groups, memberships, posts, comments, reactions, receipts) = sql("""
        SELECT (SELECT count(*) FROM accounts_user), (SELECT count(*) FROM groups_group),
               (SELECT count(*) FROM groups_membership), (SELECT count(*) FROM feed_post),
               (SELECT count(*) FROM feed_comment), (SELECT count(*) FROM feed_reaction),
               (SELECT count(*) FROM feed_receipt)""")[0]
    sizes = [row[0] for row in sql("SELECT count(*) FROM groups_membership GROUP BY group_id "
                                   "ORDER BY 1")]
    per_person = [row[0] for row in sql("SELECT count(*) FROM groups_membership "
                                        "GROUP BY user_id ORDER BY 1")]
    built_at, seconds = sql("SELECT built_at, build_seconds FROM bench_meta")[0]
    size_db = sql("SELECT pg_size_pretty(pg_database_size(current_database()))")[0][0]
    print(f"data: {people:,} people (one of them the organisation admin), {groups:,} groups, "
          f"{memberships:,} memberships ({min(per_person)}-{max(per_person)} groups per "
          f"person, median {statistics.median(per_person):.0f}); group sizes "
          f"{sizes[0]}-{sizes[-1]}, median {statistics.median(sizes):.0f}; {posts:,} posts, "
          f"{comments:,} comments, {reactions:,} reactions, {receipts:,} receipts; "
          f"{size_db}; built {built_at:%Y-%m-%d} in {seconds:.0f} s")


# --- Measuring -------------------------------------------------------------------------------

def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


class Figures:
    def __init__(self):
        self.samples: dict[str, list[float]] = {}
        self.queries: dict[str, int] = {}

    def time(self, label: str, func):
        start = time.perf_counter()
        result = func()
        self.samples.setdefault(label, []).append((time.perf_counter() - start) * 1000)
        return result

    def count_queries(self, label: str, func):
        statements = []

        def record(execute, statement, params, many, context):
            statements.append(statement)
            return execute(statement, params, many, context)

        # execute_wrapper counts queries even through the test client, whose request_started
        # signal resets connection.queries.
        with connection.execute_wrapper(record):
            result = func()
        self.queries[label] = len(statements)
        return result

    def stats(self, label: str) -> tuple[float, float, float]:
        values = sorted(self.samples[label])
        return (percentile(values, 0.50), percentile(values, 0.95), percentile(values, 0.99))


TABLE_HEAD = f"{'':<50} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'queries':>8} {'p95/bare':>9}"


def table_row(figures: Figures, label: str, bare: str | None) -> str:
    if label not in figures.samples:
        return f"  {label:<48} {'not available':>26}"
    p50, p95, p99 = figures.stats(label)
    ratio = ""
    if bare and bare in figures.samples:
        ratio = f"{p95 / figures.stats(bare)[1]:8.1f}x"
    queries = figures.queries.get(label, "")
    return f"  {label:<48} {p50:8.2f} {p95:8.2f} {p99:8.2f} {queries!s:>8} {ratio:>9}"


BARE_AWAITING = """
    SELECT p.id FROM feed_post p
    WHERE p.group_id IN (SELECT group_id FROM groups_membership WHERE user_id = %(user)s)
      AND p.kind = 'announcement' AND p.requires_ack
      AND (p.ack_deadline IS NULL OR p.ack_deadline > now())
      AND p.author_id IS DISTINCT FROM %(user)s
      AND NOT EXISTS (SELECT 1 FROM feed_receipt r WHERE r.post_id = p.id
                      AND r.user_id = %(user)s AND r.acknowledged_at IS NOT NULL)
    ORDER BY p.created DESC, p.id DESC"""
BARE_PINNED = """
    SELECT p.id FROM feed_post p
    WHERE p.group_id IN (SELECT group_id FROM groups_membership WHERE user_id = %(user)s)
      AND p.pinned_at IS NOT NULL AND p.id <> ALL(%(awaiting)s)
    ORDER BY p.pinned_at DESC, p.id DESC LIMIT %(limit)s"""
# The reference: the keyset query on the posts of the person's groups, newest first, with the
# page's top posts (pinned, awaiting acknowledgement) left out as the selector leaves them out.
BARE_FIRST_PAGE = """
    SELECT p.id FROM feed_post p
    WHERE p.group_id IN (SELECT group_id FROM groups_membership WHERE user_id = %(user)s)
      AND p.id <> ALL(%(top)s)
    ORDER BY p.created DESC, p.id DESC LIMIT %(limit)s"""
BARE_DEEP_PAGE = """
    SELECT p.id FROM feed_post p
    WHERE p.group_id IN (SELECT group_id FROM groups_membership WHERE user_id = %(user)s)
      AND p.id <> ALL(%(top)s) AND (p.created, p.id) < (%(created)s, %(id)s)
    ORDER BY p.created DESC, p.id DESC LIMIT %(limit)s"""


def bare_ids(statement: str, params: dict) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return [row[0] for row in cursor.fetchall()]


class Reader:
    """One sampled person, their clients, and the pages the selector gave them."""

    def __init__(self, user: User, api_secret: str):
        self.user = user
        self.client = Client()
        self.client.force_login(user)
        self.api = Client(HTTP_AUTHORIZATION=f"Bearer {api_secret}")
        self.top: list[int] = []
        self.pages: list[list[int]] = []
        self.cursors: list[str | None] = [None]
        self.deep_after: tuple[datetime, int] | None = None


POST_ID = re.compile(r'<article[^>]*\bid="post-(\d+)"')


def html_ids(response) -> list[int]:
    return [int(pk) for pk in POST_ID.findall(response.content.decode())]


def api_ids(payload) -> list[int]:
    """Post ids of a feed API answer, in order, whatever the list is called."""
    if isinstance(payload, list):
        return [item["id"] for item in payload]
    ids = []
    for key in ("top", "pinned", "items", "posts", "results"):
        if isinstance(payload.get(key), list):
            ids += [item["id"] for item in payload[key]]
    return ids


def api_next_cursor(payload):
    return payload.get("next_cursor") if isinstance(payload, dict) else None


def feed_api_available(reader: Reader) -> bool:
    response = reader.api.get("/api/v1/feed")
    return response.status_code == 200


def check_feed(reader: Reader, deep_page: int, size: int) -> None:
    """Walk the selector's pages and check them against the bare queries; keep the cursors."""
    uid = reader.user.id
    page = selectors.feed_for(reader.user)
    reader.top = [post.id for post in page.top]
    awaiting = bare_ids(BARE_AWAITING, {"user": uid})
    pinned = bare_ids(BARE_PINNED, {"user": uid, "awaiting": awaiting,
                                    "limit": selectors.PINNED_ON_HOME})
    assert reader.top == awaiting + pinned, f"top of the feed of {uid} differs from bare SQL"
    reader.pages = [[post.id for post in page.posts]]
    for _ in range(deep_page - 1):
        reader.cursors.append(page.next_cursor)
        last = page.posts[-1]
        reader.deep_after = (last.created, last.id)
        page = selectors.feed_for(reader.user, cursor=page.next_cursor)
        reader.pages.append([post.id for post in page.posts])
    stream = bare_ids(BARE_FIRST_PAGE, {"user": uid, "top": reader.top,
                                        "limit": size * deep_page})
    walked = list(itertools.chain.from_iterable(reader.pages))
    assert walked == stream, f"feed pages of {uid} differ from the bare keyset query"
    assert len(reader.pages[-1]) == size, f"{uid} has fewer than {deep_page} pages"


def measure_feed(figures: Figures, readers: list[Reader], *, rounds: int, deep_page: int,
                 size: int, with_api: bool) -> dict[str, str]:
    labels = {
        "bare1": "bare SQL: keyset query, 20 ids",
        "sel1": "feed_for(user) selector, cards' data",
        "view1": "GET /  web view, whole HTML page",
        "api1": "GET /api/v1/feed  API, JSON",
        "bare10": "bare SQL: keyset query after a cursor",
        "sel10": f"feed_for(user, cursor) page {deep_page}",
        "view10": f"GET /?cursor=  htmx fragment, page {deep_page}",
        "api10": f"GET /api/v1/feed?cursor=  page {deep_page}",
    }

    def calls(reader: Reader):
        user, uid, cursor = reader.user, reader.user.id, reader.cursors[-1]
        created, last_id = reader.deep_after
        yield "bare1", lambda: bare_ids(BARE_FIRST_PAGE, {"user": uid, "top": reader.top,
                                                          "limit": size})
        yield "sel1", lambda: selectors.feed_for(user)
        yield "view1", lambda: reader.client.get("/")
        if with_api:
            yield "api1", lambda: reader.api.get("/api/v1/feed")
        yield "bare10", lambda: bare_ids(BARE_DEEP_PAGE, {
            "user": uid, "top": reader.top, "created": created, "id": last_id, "limit": size})
        yield "sel10", lambda: selectors.feed_for(user, cursor=cursor)
        yield "view10", lambda: reader.client.get("/", {"cursor": cursor},
                                                  headers={"HX-Request": "true"})
        if with_api:
            yield "api10", lambda: reader.api.get("/api/v1/feed", {"cursor": cursor})

    # What each call returns is checked once per person, untimed: same ids as the bare query.
    for reader in readers:
        expected_first = reader.top + reader.pages[0]
        expected_deep = reader.pages[-1]
        for key, call in calls(reader):
            result = call()
            if key.startswith("bare"):
                got = result if key == "bare10" else reader.top + result
            elif key.startswith("sel"):
                got = [post.id for post in (result.top if key == "sel1" else [])] + \
                    [post.id for post in result.posts]
            elif key.startswith("view"):
                assert result.status_code == 200, (key, result.status_code)
                got = html_ids(result)
            else:
                assert result.status_code == 200, (key, result.status_code, result.content[:300])
                got = api_ids(result.json())
                if key == "api1":
                    assert api_next_cursor(result.json()) == reader.cursors[1], \
                        "the API's cursor differs from the selector's"
            expected = expected_first if key.endswith("1") else expected_deep
            assert got == expected, f"{labels[key]} for {reader.user.id}: {got} != {expected}"
    for key, call in calls(readers[0]):
        figures.count_queries(labels[key], call)
    for _ in range(rounds):
        for reader in readers:
            for key, call in calls(reader):
                figures.time(labels[key], call)
    return labels


def measure_dashboard(figures: Figures, admin: User, all_staff: Group, rounds: int) -> tuple:
    # Posting is timed as the request does it (the post, 10,000 notifications, the events);
    # their email and push are the task worker's, timed apart for a sample of the recipients.
    queued: list[dict] = []
    watch = time.perf_counter()
    with mock.patch("notifications.delivery._enqueue",
                    lambda by_time, now: queued.append(by_time)):
        post = services.create_post(author=admin, group=all_staff, kind=Post.Kind.ANNOUNCEMENT,
                                    body=f"{MARK} New hand hygiene protocol: read and confirm.",
                                    requires_ack=True)
    announce_seconds = time.perf_counter() - watch
    recipients = sorted({uid for by_time in queued for ids in by_time.values() for uid in ids})
    sample = recipients[:DELIVERY_SAMPLE]
    watch = time.perf_counter()
    deliver_notifications.call(sample)
    delivery = (len(recipients), len(sample), time.perf_counter() - watch)
    mail.outbox = []
    # 60% have seen it, 40% have acknowledged it (a subset of those who saw it).
    sql("""
        INSERT INTO feed_receipt (post_id, user_id, seen_at, acknowledged_at)
        SELECT %(post)s, m.user_id, now() - interval '50 minutes',
               CASE WHEN m.user_id %% 5 < 2 THEN now() - interval '40 minutes' END
        FROM groups_membership m WHERE m.group_id = %(group)s AND m.user_id %% 5 < 3
    """, {"post": post.id, "group": all_staff.id})
    sql("ANALYZE feed_receipt")
    bare = """
        SELECT count(*), count(r.seen_at), count(r.acknowledged_at)
        FROM groups_membership m JOIN accounts_user u ON u.id = m.user_id
        LEFT JOIN feed_receipt r ON r.post_id = %(post)s AND r.user_id = m.user_id
        WHERE m.group_id = %(group)s AND u.is_active AND m.user_id <> %(author)s"""
    params = {"post": post.id, "group": all_staff.id, "author": admin.id}
    audience, seen, acknowledged = sql(bare, params)[0]
    counts = selectors.receipt_counts(post)
    assert (audience, seen, acknowledged) == (PEOPLE, PEOPLE * 3 // 5, PEOPLE * 2 // 5), \
        (audience, seen, acknowledged)
    assert (counts["audience"], counts["seen"], counts["acknowledged"]) == \
        (audience, seen, acknowledged), counts

    client = Client()
    client.force_login(admin)
    _token, secret = create_api_token(user=admin, name="bench-feed")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    labels = {
        "bare": "bare SQL: one COUNT over the audience",
        "counts": "receipt_counts(post) selector",
        "view": "GET /posts/<id>/receipts/  dashboard page",
        "api": "GET /api/v1/posts/<id>/receipts  API",
    }
    calls = {"bare": lambda: sql(bare, params), "counts": lambda: selectors.receipt_counts(post),
             "view": lambda: client.get(f"/posts/{post.id}/receipts/"),
             "api": lambda: api.get(f"/api/v1/posts/{post.id}/receipts")}
    unavailable = []
    for key in ("view", "api"):
        try:
            response = calls[key]()
        except Exception as error:  # the page may still be under construction
            unavailable.append(f"{labels[key]}: {type(error).__name__}: {error}")
            del calls[key]
            continue
        if response.status_code != 200:
            unavailable.append(f"{labels[key]}: HTTP {response.status_code}")
            del calls[key]
    for key, call in calls.items():
        figures.count_queries(labels[key], call)
    for _ in range(rounds):
        for key, call in calls.items():
            figures.time(labels[key], call)
    return labels, announce_seconds, delivery, unavailable


def run_workers(threads: int, items: list, work) -> tuple[float, list[float]]:
    """``work(item)`` for every item from ``threads`` threads, each with its own database
    connection, closed at the end. Returns wall time (s) and per-call latencies (ms)."""
    pending: queue.SimpleQueue = queue.SimpleQueue()
    for item in items:
        pending.put(item)
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[BaseException] = []
    start_line = threading.Barrier(threads)

    def worker():
        mine = []
        try:
            start_line.wait()
            while True:
                try:
                    item = pending.get_nowait()
                except queue.Empty:
                    break
                started = time.perf_counter()
                work(item)
                mine.append((time.perf_counter() - started) * 1000)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for _ in range(threads):
            pool.submit(worker)
    wall = time.perf_counter() - started
    if errors:
        raise errors[0]
    return wall, latencies


def measure_acknowledgements(figures: Figures, admin: User, all_staff: Group,
                             threads: int) -> dict:
    people = list(User.objects.filter(memberships__group=all_staff).order_by("id"))
    assert len(people) == PEOPLE

    # Reference: the same 10,000 rows, each one plain INSERT ... ON CONFLICT DO NOTHING in its
    # own transaction, on an announcement of its own.
    reference = Post.objects.create(group=all_staff, author=admin, kind=Post.Kind.ANNOUNCEMENT,
                                    body=f"{MARK} reference", body_html="", requires_ack=True)
    insert = """
        INSERT INTO feed_receipt (post_id, user_id, seen_at, acknowledged_at)
        VALUES (%s, %s, now(), now()) ON CONFLICT (post_id, user_id) DO NOTHING"""

    def insert_receipt(uid):
        with connection.cursor() as cursor:
            cursor.execute(insert, [reference.id, uid])

    bare_wall, bare_latencies = run_workers(threads, [p.id for p in people], insert_receipt)

    with mock.patch("notifications.delivery._enqueue", lambda by_time, now: None):
        post = services.create_post(author=admin, group=all_staff, kind=Post.Kind.ANNOUNCEMENT,
                                    body=f"{MARK} Drug recall: check your ward's stock.",
                                    requires_ack=True)
    local = threading.local()

    def acknowledge(user):
        if getattr(local, "post", None) is None:
            local.post = Post.objects.select_related("group", "author").get(id=post.id)
        services.acknowledge(user=user, post=local.post)

    # As in production (Redis, a task worker): an acknowledgement queues the live counts' push
    # for the worker, at most once a second per announcement, and does not count the audience
    # itself, as the embedded configuration does after every one (single process, no worker).
    pushes: list[int] = []
    queued_push = SimpleNamespace(get_backend=lambda: SimpleNamespace(supports_defer=False),
                                  enqueue=pushes.append)
    with override_settings(REDIS_URL="redis://bench.invalid/0"), \
            mock.patch("feed.tasks.push_receipt_counts", queued_push):
        wall, latencies = run_workers(threads, people, acknowledge)
    total, acknowledged, readers = sql("""
        SELECT count(*), count(acknowledged_at), count(DISTINCT user_id)
        FROM feed_receipt WHERE post_id = %s""", [post.id])[0]
    assert (total, acknowledged, readers) == (PEOPLE, PEOPLE, PEOPLE), (total, acknowledged,
                                                                         readers)
    # Acknowledging again, concurrently, keeps the first time.
    again = random.Random(7).sample(people, 200)
    before = dict(sql("SELECT user_id, acknowledged_at FROM feed_receipt WHERE post_id = %s",
                      [post.id]))
    run_workers(threads, again, acknowledge)
    after = dict(sql("SELECT user_id, acknowledged_at FROM feed_receipt WHERE post_id = %s",
                     [post.id]))
    assert before == after and len(after) == PEOPLE
    ref_total = sql("SELECT count(*) FROM feed_receipt WHERE post_id = %s", [reference.id])[0][0]
    assert ref_total == PEOPLE
    figures.samples["bare: INSERT ... ON CONFLICT DO NOTHING"] = bare_latencies
    figures.samples["acknowledge(user=, post=) service"] = latencies
    return {"bare": (bare_wall, len(bare_latencies)), "service": (wall, len(latencies)),
            "post": post, "reference": reference, "pushes": len(pushes)}


def clean_up_runs() -> None:
    """Remove what a run adds (its posts with their receipts, notifications, sessions, tokens,
    events: the build makes none of those), so the next run starts from the same data."""
    Post.objects.filter(body__startswith=MARK).delete()
    ApiToken.objects.filter(name="bench-feed").delete()
    for table in ("notifications_notification", "network_event", "django_session"):
        sql(f"DELETE FROM {table}")


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    version = sql("SHOW server_version")[0][0]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB, load average {load}; "
            f"PostgreSQL {version}; "
            f"Python {sys.version.split()[0]}, Django {django.get_version()}; channel layer "
            f"{settings.CHANNEL_LAYERS['default']['BACKEND'].rsplit('.', 1)[-1]}")


def main():
    args = ARGS
    rng = random.Random(args.seed)
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    if not ALREADY_BUILT:
        build(rng)
    build_seconds = time.perf_counter() - started
    clean_up_runs()
    print(f"\n{machine()}")
    describe_data()
    if args.build_only:
        return 0

    run_started = time.perf_counter()
    figures = Figures()
    size = selectors.FEED_PAGE_SIZE
    admin = User.objects.get(email="admin@bench.example")
    all_staff = Group.objects.get(is_all_staff=True)
    try:
        sampled = rng.sample(list(User.objects.filter(is_staff=False).order_by("id")),
                             args.people)
        readers = [Reader(user, create_api_token(user=user, name="bench-feed")[1])
                   for user in sampled]
        for reader in readers:
            check_feed(reader, args.deep_page, size)
        with_api = feed_api_available(readers[0])
        labels = measure_feed(figures, readers, rounds=args.rounds, deep_page=args.deep_page,
                              size=size, with_api=with_api)
        feed_seconds = time.perf_counter() - run_started

        dash_labels, announce_seconds, delivery, unavailable = measure_dashboard(
            figures, admin, all_staff, args.dashboard_rounds)
        acks = measure_acknowledgements(figures, admin, all_staff, args.threads)
    finally:
        clean_up_runs()
    run_seconds = time.perf_counter() - run_started

    print(f"\nfeed pages: {args.people} people x {args.rounds} rounds, the ids of every call "
          f"checked against the bare query; server time in process (test client)")
    print(TABLE_HEAD)
    print("page 1")
    for key in ("bare1", "sel1", "view1", "api1"):
        print(table_row(figures, labels[key], labels["bare1"]))
    print(f"page {args.deep_page}")
    for key in ("bare10", "sel10", "view10", "api10"):
        print(table_row(figures, labels[key], labels["bare10"]))
    print(f"\nreceipts dashboard: announcement to all {PEOPLE:,} staff, 60% seen, 40% "
          f"acknowledged; {args.dashboard_rounds} rounds")
    print(TABLE_HEAD)
    for key in ("bare", "counts", "view", "api"):
        print(table_row(figures, dash_labels[key], dash_labels["bare"]))
    for note in unavailable:
        print(f"  (not measured: {note})")
    print(f"  (posting that announcement through create_post, notifying {PEOPLE:,} people: "
          f"{announce_seconds * 1000:.0f} ms)")
    recipients, sampled, seconds = delivery
    print(f"  (its email and push, by the task worker: {sampled:,} of the {recipients:,} "
          f"recipients in {seconds:.1f} s, {seconds / max(sampled, 1) * 1000:.1f} ms each)")

    print(f"\n{PEOPLE:,} acknowledgements of one announcement, {args.threads} threads, "
          f"each with its own connection")
    print(f"{'':<50} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'wall s':>8}")
    for key, label in (("bare", "bare: INSERT ... ON CONFLICT DO NOTHING"),
                       ("service", "acknowledge(user=, post=) service")):
        wall, count = acks[key]
        p50, p95, p99 = figures.stats(label)
        print(f"  {label:<48} {count / wall:8.0f} {p50:8.2f} {p95:8.2f} {p99:8.2f} {wall:8.1f}")
    print(f"  checked: {PEOPLE:,} receipts, each acknowledged once; acknowledging again "
          f"(200 people, concurrently) kept the first time")
    print(f"  (live counts: pushes queued for the task worker: {acks['pushes']}; each push "
          f"frees the next one, at most one a second; here none ran, so a claim held 60 s)")

    print("\ntargets (issue 3)")
    verdicts = []

    def target(text: str, ok: bool):
        verdicts.append(ok)
        print(f"  {'met    ' if ok else 'NOT MET'}  {text}")

    for page, bare_key, keys in (("page 1", "bare1", ("view1", "api1")),
                                 (f"page {args.deep_page}", "bare10", ("view10", "api10"))):
        bare_p95 = figures.stats(labels[bare_key])[1]
        for key in keys:
            if labels[key] not in figures.samples:
                print(f"  n/a      {labels[key]}: not measured")
                continue
            p95 = figures.stats(labels[key])[1]
            target(f"{page}, {labels[key]}: p95 {p95:.1f} ms < {FEED_TARGET_MS} ms",
                   p95 < FEED_TARGET_MS)
            target(f"{page}, {labels[key]}: p95 {p95 / bare_p95:.1f}x the bare query "
                   f"<= {FEED_TARGET_RATIO}x", p95 <= FEED_TARGET_RATIO * bare_p95)
        sel = labels["sel1" if bare_key == "bare1" else "sel10"]
        sel_p95 = figures.stats(sel)[1]
        print(f"  (info)   {page}, {sel}: p95 {sel_p95 / bare_p95:.1f}x the bare query")
    for key in ("view", "api"):
        label = dash_labels[key]
        if label not in figures.samples:
            print(f"  n/a      {label}: not measured")
            continue
        p95 = figures.stats(label)[1]
        target(f"{label}: p95 {p95:.1f} ms < {DASHBOARD_TARGET_MS} ms",
               p95 < DASHBOARD_TARGET_MS)

    print(f"\nbuild (or reuse) {build_seconds:.0f} s; measurements {run_seconds:.0f} s "
          f"(feed pages {feed_seconds:.0f} s)")
    shutil.rmtree(workdir, ignore_errors=True)
    return 1 if args.strict and not all(verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
