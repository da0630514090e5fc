"""visible_groups and GET /api/v1/groups for one staff member of a 2,000-person hospital.

Compared with a bare reference doing the same work: one hand-written SQL query for the same
visible ids, and a bare JsonResponse view listing the same 50 groups behind the same middleware.
Uses a throwaway SQLite file, or PostgreSQL when DATABASE_URL is set.
"""

import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# After ROOT: bench/feed.py must not shadow the feed app.
sys.path.append(str(ROOT / "bench"))
workdir = tempfile.mkdtemp(prefix="relais-bench-")
atexit.register(shutil.rmtree, workdir, ignore_errors=True)
os.environ.setdefault("SQLITE_PATH", os.path.join(workdir, "bench.sqlite3"))
os.environ.setdefault("RELAIS_VAR_DIR", workdir)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import warnings  # noqa: E402

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import create_api_token  # noqa: E402
from groups.models import Group, Membership  # noqa: E402
from groups.selectors import visible_groups  # noqa: E402

PEOPLE, GROUPS, GROUPS_PER_PERSON, ROUNDS = 2000, 300, 10, 300


def build():
    if connection.vendor == "postgresql":
        from django.test.utils import setup_databases, teardown_databases

        # Its own throwaway database, so a test run on the same server is never disturbed.
        connection.settings_dict["TEST"]["NAME"] = "relais_bench"
        created = setup_databases(verbosity=0, interactive=False)
        atexit.register(teardown_databases, created, verbosity=0)
    else:
        call_command("migrate", verbosity=0)
    users = User.objects.bulk_create(
        User(email=f"person{i}@bench.example", display_name=f"Person {i}", password="!")
        for i in range(PEOPLE))
    visibilities = ["public", "private", "secret"]
    groups = Group.objects.bulk_create(
        Group(name=f"Group {i}", slug=f"group-{i}", visibility=visibilities[i % 3])
        for i in range(GROUPS))
    Membership.objects.bulk_create(
        Membership(user=user, group=groups[(u * 7 + k * 31) % GROUPS], role="member")
        for u, user in enumerate(users) for k in range(GROUPS_PER_PERSON))
    return users[0]


def measure(label, func):
    """Throughput and latency untraced; then queries and peak memory of one traced call."""
    func()  # warm caches
    durations = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        func()
        durations.append(time.perf_counter() - start)
    queries = []
    tracemalloc.start()
    # execute_wrapper counts queries even through the test client, whose request_started
    # signal resets connection.queries.
    with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
        func()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    durations.sort()
    p50 = statistics.median(durations) * 1000
    p95 = durations[int(len(durations) * 0.95)] * 1000
    print(f"{label:<44} {ROUNDS / sum(durations):>7.0f} ops/s  p50 {p50:6.2f} ms  "
          f"p95 {p95:6.2f} ms  {len(queries):>2} queries  peak {peak / 1024:6.0f} KiB")


def main():
    person = build()
    print(f"database: {connection.vendor}; {PEOPLE} people, {GROUPS} groups, "
          f"{GROUPS_PER_PERSON} memberships each; {ROUNDS} rounds")
    expected = sorted(visible_groups(person).values_list("id", flat=True))

    sql = ("SELECT id FROM groups_group WHERE visibility = 'public' OR id IN "
           "(SELECT group_id FROM groups_membership WHERE user_id = %s) ORDER BY id")

    def bare_ids():
        with connection.cursor() as cursor:
            cursor.execute(sql, [person.id])
            return [row[0] for row in cursor.fetchall()]

    assert bare_ids() == expected, "the reference must do the same work"
    measure("visible_groups(user) ids", lambda: sorted(
        visible_groups(person).values_list("id", flat=True)))
    measure("reference: one SQL query", bare_ids)

    _token, secret = create_api_token(user=person, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/groups?limit=50").status_code == 200
    measure("GET /api/v1/groups?limit=50 (Relais)",
            lambda: client.get("/api/v1/groups?limit=50"))

    import reference_urls
    from django.conf import settings

    reference_urls.REFERENCE_IDS[:] = expected
    settings.ROOT_URLCONF = "reference_urls"
    measure("reference: bare JsonResponse, same 50 rows",
            lambda: client.get("/bare/groups"))


if __name__ == "__main__":
    main()
