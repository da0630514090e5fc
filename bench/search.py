"""Search at hospital scale (issue 5): a million posts and messages, 20,000 documents.

Builds once, with bulk writes straight into search's tables as its migration defines them (not
through the services), an index of 1,032,001 entries of French and English text generated from
the word lists of bench/search_corpus.py: 420,000 posts, 10,000 announcements, 170,000 comments,
300,000 channel messages and 100,000 direct messages (1,000,000 in all), 20,000 documents with
1.5 to 8 KB of extracted text each, 2,000 groups and 10,001 people. The groups are real groups
with real memberships (Django models, bulk_create); one reader, a staff member (not an
organisation admin), sees 30 of them (12 public, 18 private or secret of all sizes) and is in 40
of the 25,000 direct conversations.
A few rare words are planted in known rows, in and out of the reader's reach.

Then measures, for that reader, ``search.selectors.search(reader, q)`` (the first page of 20,
by relevance, with highlighted titles and snippets) for six kinds of query, as typed in the
search box: one word, two words, a phrase in quotes, a rare word, a prefix being typed, and a
word with an exclusion. Every result of every run is checked to be one the reader may see (its
group among their 30, or a direct conversation they are in), and each rare word must return
exactly the planted rows the reader may see. Beside it, the reference: tantivy indexing the same
titles and bodies (folded case and accents, no stemming, no permissions), asked the same parsed
queries for its top 20 with a snippet each.

Engines, each in its own process and its own data, built once and reused by later runs
(``--rebuild`` starts over). By default the configured database (PostgreSQL when DATABASE_URL
names it, SQLite otherwise) and the reference; ``--only`` chooses (repeat it for several):
- PostgreSQL: the database ``relais_bench_search`` (or BENCH_SEARCH_DATABASE) on the server
  DATABASE_URL names, never the database the URL names;
- SQLite: var/bench/search.sqlite3 (or BENCH_SEARCH_SQLITE), never the embedded database;
- tantivy: var/bench/search-tantivy/ (or BENCH_SEARCH_TANTIVY; ``pip install -e ".[bench]"``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relais_bench .venv/bin/python bench/search.py
    .venv/bin/python bench/search.py                   # SQLite and tantivy
    DATABASE_URL=postgres://… .venv/bin/python bench/search.py --only postgresql --only sqlite \
        --only tantivy                                 # all three side by side

Target of issue 5: p95 under 100 ms on PostgreSQL and within 5x of the reference, per kind of
query (``--strict`` makes a miss exit with status 1). A result the reader may not see always
fails the run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unicodedata
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
# First, so the search app is found before this file (bench/search.py).
sys.path.insert(0, str(ROOT))

from search_corpus import (  # noqa: E402
    CONTENT,
    GROUPS,
    PEOPLE,
    PLANTED,
    READER_CONVERSATIONS,
    READER_GROUPS,
    Corpus,
)

# Bump when the data built changes, so old data is rebuilt rather than reused.
DATA_VERSION = 1
SEED = 20261124
ENGINES = ("postgresql", "sqlite", "tantivy")
LABELS = {"postgresql": "PostgreSQL", "sqlite": "SQLite", "tantivy": "tantivy"}
TARGET_MS, TARGET_RATIO = 100, 5
PAGE = 20

# As typed in the search box: without a trailing space the last word is also a prefix
# (docs/search.md), except inside quotes and after a minus.
QUERIES = {
    "one word": ["protocole", "perfusion", "garde", "pharmacie", "sepsis", "astreinte",
                 "infirmière", "hygiène", "shift", "pump"],
    "two words": ["hygiène mains", "protocole sepsis", "garde pharmacie", "perfusion débit",
                  "astreinte urgences", "infusion pump", "chariot urgence", "douleur dossier"],
    "phrase": ['"hygiène des mains"', '"protocole sepsis"', '"pompe à perfusion"',
               '"garde de pharmacie"', '"on-call shift"', '"chariot d\'urgence"',
               '"prévention des chutes"', '"blood cultures"'],
    "rare word": list(PLANTED),
    "prefix": ["proto", "hygi", "perf", "astr", "pharm", "infirm", "seps", "transf"],
    "exclusion": ["sepsis -pédiatrie", "perfusion -pompe", "protocole -hygiène",
                  "pharmacie -rupture", "garde -week", "shift -night"],
}
KINDS = list(QUERIES)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=ENGINES,
                        help="measure this engine (repeat for several); by default the "
                             "configured database and tantivy")
    parser.add_argument("--rebuild", action="store_true", help="drop the data and build again")
    parser.add_argument("--runs", type=int, default=300, help="timed searches per kind")
    parser.add_argument("--max-seconds", type=float, default=30,
                        help="stop a kind's runs after this long (at least 50 runs)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed rounds of each query")
    parser.add_argument("--build-only", action="store_true", help="build (or check) and stop")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a target of the issue is not met")
    parser.add_argument("--engine", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args()


MIN_RUNS = 50


def load_average() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def stats(samples: list[float]) -> tuple[float, float, float]:
    values = sorted(samples)
    return percentile(values, 0.50), percentile(values, 0.95), percentile(values, 0.99)


class Stopwatch:
    def __init__(self):
        self.start = self.lap_start = time.perf_counter()

    def lap(self, label: str) -> None:
        now = time.perf_counter()
        print(f"  {label:<62} {now - self.lap_start:6.1f} s", flush=True)
        self.lap_start = now

    @property
    def total(self) -> float:
        return time.perf_counter() - self.start


def timed_runs(args, queries: list[str], search) -> tuple[list[float], dict[str, list]]:
    """Warm up, then time ``search(q)`` over the queries in turn: ``args.runs`` runs, or fewer
    (never under MIN_RUNS) once ``args.max_seconds`` have passed. Returns the latencies (ms)
    and what each query returned, run by run."""
    for _ in range(args.warmup):
        for q in queries:
            search(q)
    samples: list[float] = []
    returned: dict[str, list] = {q: [] for q in queries}
    deadline = time.perf_counter() + args.max_seconds
    while len(samples) < args.runs and (len(samples) < MIN_RUNS
                                        or time.perf_counter() < deadline):
        q = queries[len(samples) % len(queries)]
        started = time.perf_counter()
        result = search(q)
        samples.append((time.perf_counter() - started) * 1000)
        returned[q].append(result)
    return samples, returned


def directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# === tantivy (the reference) ==================================================================

def fold(word: str) -> str:
    """What tantivy's lowercase + ascii_fold filters make of a word."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tantivy_worker(args) -> dict:
    import tantivy
    from tantivy import Occur, Query

    from search import query as parsing

    path = Path(os.environ.get("BENCH_SEARCH_TANTIVY", ROOT / "var" / "bench" / "search-tantivy"))
    meta_path = path / "bench_meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    built = meta.get("version") == DATA_VERSION and meta.get("seed") == SEED
    analyzer = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                .filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold()).build())
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True)
    builder.add_text_field("title", stored=True, tokenizer_name="folded")
    builder.add_text_field("body", stored=True, tokenizer_name="folded")
    schema = builder.build()
    if args.rebuild or not built:
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        print(f"building the tantivy index in {path} (once; reused until --rebuild)", flush=True)
        watch = Stopwatch()
        corpus = Corpus(SEED)
        index = tantivy.Index(schema, path=str(path))
        index.register_tokenizer("folded", analyzer)
        writer = index.writer(heap_size=256_000_000, num_threads=1)
        entry_id = 0
        for entry_id, (title, body) in enumerate(extra_entries(corpus), start=1):
            writer.add_document(tantivy.Document(id=entry_id, title=title, body=body))
        for row in corpus.rows():
            entry_id += 1
            writer.add_document(tantivy.Document(id=entry_id, title=row.title, body=row.body))
        writer.commit()
        writer.wait_merging_threads()
        watch.lap(f"{entry_id:,} documents indexed and committed")
        meta = {"version": DATA_VERSION, "seed": SEED, "entries": entry_id,
                "built_at": datetime.now(UTC).isoformat(), "build_seconds": watch.total}
        meta_path.write_text(json.dumps(meta))
    index = tantivy.Index.open(str(path))
    index.register_tokenizer("folded", analyzer)
    index.reload()
    searcher = index.searcher()
    result = {"engine": "tantivy", "version": version("tantivy"),
              "size": directory_size(path), "entries": searcher.num_docs,
              "segments": len(list(path.glob("*.idx"))), "built_at": meta["built_at"],
              "build_seconds": meta["build_seconds"], "load_before": load_average()}
    if args.build_only:
        return result

    def item_query(item: parsing.Item, field: str):
        words = [fold(word) for word in item.words]
        if item.prefix:
            return Query.phrase_prefix_query(schema, field, words)
        if len(words) == 1:
            return Query.term_query(schema, field, words[0])
        return Query.phrase_query(schema, field, words)

    def either_field(item: parsing.Item):
        # Titles count double, as search's own ranking weighs them above bodies.
        return Query.boolean_query([
            (Occur.Should, Query.boost_query(item_query(item, "title"), 2.0)),
            (Occur.Should, item_query(item, "body"))])

    def to_tantivy(text: str):
        parsed = parsing.parse(text)
        clauses = []
        for group in parsed.groups:
            alternatives = [(Occur.Should, either_field(item)) for item in group]
            clauses.append((Occur.Must, alternatives[0][1] if len(alternatives) == 1
                            else Query.boolean_query(alternatives)))
        clauses += [(Occur.MustNot, either_field(item)) for item in parsed.excluded]
        return Query.boolean_query(clauses)

    def search(text: str):
        query = to_tantivy(text)
        hits = searcher.search(query, PAGE).hits
        snippets = tantivy.SnippetGenerator.create(searcher, query, schema, "body")
        page = []
        for _score, address in hits:
            document = searcher.doc(address)
            page.append((document["id"][0], document["title"][0][:300],
                         snippets.snippet_from_doc(document).to_html()))
        return page

    result["kinds"], result["queries"] = {}, {}
    for kind in KINDS:
        samples, _returned = timed_runs(args, QUERIES[kind], search)
        result["kinds"][kind] = {"samples": samples}
        for q in QUERIES[kind]:
            result["queries"][q] = {"matches": searcher.search(to_tantivy(q), 1).count}
    # Without permissions, a rare word finds every row it was planted in.
    for word, counts in PLANTED.items():
        found = result["queries"][word]["matches"]
        if found != sum(counts):
            sys.exit(f"tantivy: {word!r} found in {found} documents, planted in {sum(counts)}")
    result["load_after"] = load_average()
    return result


def extra_entries(corpus: Corpus):
    """Title and body of the people's and the groups' entries, as their apps index them."""
    people = [*corpus.people, reader_spec()]
    for person in people:
        yield person.display_name, f"{person.job_title} · {person.department} · {person.email}"
    for group in corpus.groups:
        yield group.name, group.description


def reader_spec():
    from search_corpus import PersonSpec
    return PersonSpec(email="reader@bench.example", display_name="Rachel Lecteur",
                      job_title="infirmière", department="urgences")


# === PostgreSQL and SQLite, through Relais ======================================================

def pg_dedicated_url(url: str) -> tuple[str, str]:
    name = os.environ.get("BENCH_SEARCH_DATABASE", "relais_bench_search")
    parts = urlsplit(url)
    if parts.path.lstrip("/") == name:
        sys.exit(f"DATABASE_URL names {name}, the benchmark's own database: name another.")
    return urlunsplit(parts._replace(path=f"/{name}")), name


def pg_prepare(url: str, name: str, rebuild: bool) -> bool:
    """Create the database if missing (dropped first when rebuilding or not fully built).
    Returns whether it holds a complete build of this DATA_VERSION."""
    import psycopg

    server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    [name]).fetchone() is not None
        built = False
        if exists and not rebuild:
            with psycopg.connect(url) as bench:
                if bench.execute("SELECT to_regclass('bench_meta')").fetchone()[0]:
                    row = bench.execute("SELECT max(version), max(seed) FROM bench_meta")
                    built = tuple(row.fetchone()) == (DATA_VERSION, SEED)
        if exists and not built:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    return built


def sqlite_prepare(path: Path, rebuild: bool) -> bool:
    built = False
    if path.exists() and not rebuild:
        try:
            with sqlite3.connect(path) as connection:
                row = connection.execute("SELECT max(version), max(seed) FROM bench_meta")
                built = tuple(row.fetchone()) == (DATA_VERSION, SEED)
        except sqlite3.DatabaseError:
            built = False
    if not built:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return built


def django_worker(args) -> dict:
    engine = args.engine
    if engine == "postgresql":
        url = os.environ.get("DATABASE_URL", "")
        bench_url, bench_name = pg_dedicated_url(url)
        built = pg_prepare(bench_url, bench_name, args.rebuild)
        os.environ["DATABASE_URL"] = bench_url
        where = f"the database {bench_name}"
    else:
        path = Path(os.environ.get("BENCH_SEARCH_SQLITE",
                                   ROOT / "var" / "bench" / "search.sqlite3")).resolve()
        built = sqlite_prepare(path, args.rebuild)
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(path)
        where = str(path)
    workdir = tempfile.mkdtemp(prefix="relais-bench-search-")
    os.environ["RELAIS_VAR_DIR"] = workdir
    os.environ.setdefault("MEDIA_ROOT", os.path.join(workdir, "media"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    try:
        if not built:
            print(f"building {LABELS[engine]} data in {where} (once; reused until --rebuild)",
                  flush=True)
            build_django(engine)
        return measure_django(args, engine)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def sql(statement: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params if params is not None else [])
        return cursor.fetchall() if cursor.description else None


def entry_rows(corpus: Corpus, user_ids: list[int], reader_id: int, group_ids: list[int]):
    """search_entry rows (id, kind, object_id, group_id, author_id, audience, title, body,
    created, url, extra, indexed_at) as the content apps write them: people, groups, then
    the content, oldest first."""
    from search.text import clean

    now = corpus.now
    entry_id = 0
    people = [*zip(corpus.people, user_ids, strict=True), (reader_spec(), reader_id)]
    for (title, body), (_spec, uid) in zip(extra_entries(corpus), people, strict=False):
        entry_id += 1
        yield (entry_id, "person", uid, None, None, None, title, body,
               corpus.now.replace(year=2020), f"/people/{uid}/", "{}", now)
    for group, gid in zip(corpus.groups, group_ids, strict=True):
        entry_id += 1
        extra = json.dumps({"visibility": group.visibility, "colour": "teal"})
        yield (entry_id, "group", gid, gid, None, None, group.name, group.description,
               corpus.now.replace(year=2020), f"/groups/{group.slug}/", extra, now)
    for row in corpus.rows():
        entry_id += 1
        if row.conversation is not None:
            group_id, audience = None, f"conversation:{row.conversation + 1}"
            url = f"/chat/{row.conversation + 1}/?message={row.object_id}"
        else:
            group_id, audience = group_ids[row.group], None
            url = {"document": f"/documents/{row.object_id}/",
                   "comment": f"/posts/{row.extra.get('post_id')}/#comment-{row.object_id}",
                   "message": f"/chat/{row.extra.get('conversation_id')}/?message="
                              f"{row.object_id}"}.get(row.kind, f"/posts/{row.object_id}/")
        yield (entry_id, row.kind, row.object_id, group_id, user_ids[row.author], audience,
               clean(row.title, limit=300), clean(row.body), row.created, url,
               json.dumps(row.extra), now)


ENTRY_COLUMNS = ["id", "kind", "object_id", "group_id", "author_id", "audience", "title",
                 "body", "created", "url", "extra", "indexed_at"]


def build_django(engine: str) -> None:
    from django.db import connection

    from accounts.models import User
    from groups.models import Group, Membership
    from search.models import AudienceMember

    watch = Stopwatch()
    corpus = Corpus(SEED)
    watch.lap(f"plan of {len(corpus):,} entries")
    postgres = engine == "postgresql"
    if postgres:
        sql("SET synchronous_commit = off")
        sql("SET maintenance_work_mem = '1GB'")
    else:
        sql("PRAGMA synchronous = OFF")
        sql("PRAGMA cache_size = -1000000")

    users = User.objects.bulk_create(
        [User(email=p.email, display_name=p.display_name, job_title=p.job_title,
              department=p.department, password="!bench") for p in corpus.people],
        batch_size=2000)
    spec = reader_spec()
    reader = User.objects.create(email=spec.email, display_name=spec.display_name,
                                 job_title=spec.job_title, department=spec.department,
                                 password="!bench")
    user_ids = [u.id for u in users]
    groups = Group.objects.bulk_create(
        [Group(name=g.name, slug=g.slug, description=g.description, visibility=g.visibility)
         for g in corpus.groups], batch_size=1000)
    group_ids = [g.id for g in groups]
    Membership.objects.bulk_create(
        [Membership(group_id=group_ids[g], user_id=reader.id if p == -1 else user_ids[p],
                    role="member") for g, p in corpus.memberships], batch_size=5000)
    AudienceMember.objects.bulk_create(
        [AudienceMember(key=f"conversation:{i + 1}", user_id=reader.id if p == -1
                        else user_ids[p])
         for i, people in enumerate(corpus.conversations) for p in people], batch_size=5000)
    watch.lap(f"{len(users) + 1:,} people, {len(groups):,} groups, "
              f"{len(corpus.memberships):,} memberships, audiences (bulk_create)")

    rows = entry_rows(corpus, user_ids, reader.id, group_ids)
    if postgres:
        # Secondary indexes are dropped for the load and built once at the end (much faster
        # than updating the GIN index row by row), then built exactly as the migration made
        # them.
        indexes = sql("""SELECT indexname, indexdef FROM pg_indexes
                         WHERE tablename = 'search_entry' AND indexname NOT IN (
                             SELECT conname FROM pg_constraint
                             WHERE conrelid = 'search_entry'::regclass)""")
        for name, _definition in indexes:
            sql(f'DROP INDEX "{name}"')
        statement = f"COPY search_entry ({', '.join(ENTRY_COLUMNS)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        watch.lap("entries (COPY; the generated tsvector computed row by row)")
        for name, definition in indexes:
            sql(definition)
            watch.lap(f"index {name}")
        sql("SELECT setval(pg_get_serial_sequence('search_entry', 'id'), "
            "(SELECT max(id) FROM search_entry))")
        sql("VACUUM ANALYZE")
        watch.lap("VACUUM ANALYZE")
    else:
        # The FTS5 table is loaded in one 'rebuild' after the rows rather than row by row by
        # the insert trigger; the secondary indexes are built once at the end.
        saved = sql("""SELECT type, name, sql FROM sqlite_master
                       WHERE tbl_name = 'search_entry' AND sql IS NOT NULL
                         AND (type = 'index' OR name = 'search_entry_fts_insert')""")
        for kind, name, _definition in saved:
            sql(f'DROP {kind.upper()} "{name}"')
        raw = connection.connection
        placeholders = ", ".join("?" * len(ENTRY_COLUMNS))
        insert = (f"INSERT INTO search_entry ({', '.join(ENTRY_COLUMNS)}) "
                  f"VALUES ({placeholders})")

        def stored(row):
            row = list(row)
            for position in (8, 11):  # as Django stores datetimes on SQLite (UTC, naive)
                row[position] = row[position].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            return row

        batch = []
        for row in rows:
            batch.append(stored(row))
            if len(batch) == 50_000:
                raw.execute("BEGIN")
                raw.executemany(insert, batch)
                raw.execute("COMMIT")
                batch = []
        raw.execute("BEGIN")
        raw.executemany(insert, batch)
        raw.execute("COMMIT")
        watch.lap("entries (executemany, without the FTS insert trigger)")
        for _kind, _name, definition in saved:
            sql(definition)
        watch.lap("secondary indexes, insert trigger restored")
        sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        watch.lap("FTS5 'rebuild'")
        sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
        watch.lap("FTS5 'optimize'")
        sql("ANALYZE")
        sql("PRAGMA wal_checkpoint(TRUNCATE)")
        watch.lap("ANALYZE, checkpoint")
    sql("CREATE TABLE bench_meta (version integer, seed integer, built_at varchar(40), "
        "build_seconds float)")
    sql("INSERT INTO bench_meta VALUES (%s, %s, %s, %s)",
        [DATA_VERSION, SEED, datetime.now(UTC).isoformat(), watch.total])
    print(f"  {'build total':<62} {watch.total:6.1f} s", flush=True)


def breakdown(queries: list[str], reader, rounds: int = 3) -> dict[str, float]:
    """Where a search's time goes (p50 of a few rounds, apart from the timed runs): finding the
    page's rows (the viewer's scope, then the ranked query for ids and ranks), and highlighting
    their titles and snippets."""
    from search import backends, selectors
    from search import query as parsing

    backend = backends.current()
    rows_ms, highlight_ms = [], []
    for _ in range(rounds):
        for q in queries:
            parsed = parsing.parse(q)
            started = time.perf_counter()
            ranked = backend.ranked(selectors.visible_entries(reader), parsed)
            ids = [row["id"] for row in ranked.order_by("-rank", "-id").values("id")[:PAGE + 1]]
            middle = time.perf_counter()
            backend.highlights(ids[:PAGE], parsed, words=30)
            ended = time.perf_counter()
            rows_ms.append((middle - started) * 1000)
            highlight_ms.append((ended - middle) * 1000)
    return {"rows": stats(rows_ms)[0], "highlights": stats(highlight_ms)[0]}


def measure_django(args, engine: str) -> dict:
    import django
    from django.db import connection

    from accounts.models import User
    from search import backends, selectors
    from search import query as parsing
    from search.models import Entry

    postgres = engine == "postgresql"
    engine_version = sql("SHOW server_version")[0][0] if postgres else sqlite3.sqlite_version
    built_at, build_seconds = sql("SELECT built_at, build_seconds FROM bench_meta")[0]
    if postgres:
        size = sql("SELECT pg_database_size(current_database())")[0][0]
    else:
        size = sum(Path(f"{connection.settings_dict['NAME']}{suffix}").stat().st_size
                   for suffix in ("", "-wal") if Path(f"{connection.settings_dict['NAME']}"
                                                      f"{suffix}").exists())
    counts = dict(sql("SELECT kind, count(*) FROM search_entry GROUP BY kind"))
    direct = sql("SELECT count(*) FROM search_entry WHERE audience IS NOT NULL")[0][0]
    reader = User.objects.get(email=reader_spec().email)
    # Who the reader may see, by hand (not through the selectors being measured).
    visible = {row[0] for row in sql("""
        SELECT id FROM groups_group WHERE visibility = 'public'
        UNION SELECT group_id FROM groups_membership WHERE user_id = %s""", [reader.id])}
    listed = {row[0] for row in sql("""
        SELECT id FROM groups_group WHERE visibility <> 'secret'
        UNION SELECT group_id FROM groups_membership WHERE user_id = %s""", [reader.id])}
    audiences = {row[0] for row in sql("SELECT key FROM search_audience WHERE user_id = %s",
                                       [reader.id])}
    assert len(visible) == READER_GROUPS, len(visible)
    assert len(audiences) == READER_CONVERSATIONS, len(audiences)
    reader_entries = sql(f"""
        SELECT count(*) FROM search_entry
        WHERE kind NOT IN ('person', 'group') AND (group_id IN ({",".join(map(str, visible))})
              OR audience IN (SELECT key FROM search_audience WHERE user_id = %s))""",
                         [reader.id])[0][0]
    result = {"engine": engine, "version": engine_version, "size": size, "entries": counts,
              "direct": direct, "built_at": built_at, "build_seconds": build_seconds,
              "reader_entries": reader_entries, "load_before": load_average()}
    if postgres:
        result["settings"] = {name: sql(f"SHOW {name}")[0][0]
                              for name in ("shared_buffers", "work_mem", "jit")}
    result["django"] = django.get_version()
    if args.build_only:
        return result

    # The rows each rare word was planted in that the reader may see, found by hand.
    expected = {}
    for word, (mine_group, mine_direct, other_group, other_direct) in PLANTED.items():
        rows = sql("SELECT kind, object_id, group_id, audience FROM search_entry "
                   "WHERE body LIKE %s", [f"%{word}%"])
        assert len(rows) == mine_group + mine_direct + other_group + other_direct, \
            (word, len(rows))
        mine = {(kind, oid) for kind, oid, gid, audience in rows
                if (gid in visible and audience is None) or audience in audiences}
        assert len(mine) == mine_group + mine_direct, (word, len(mine))
        expected[word] = mine

    def search(q: str):
        page = selectors.search(reader, q)
        return [(r.kind, r.id, r.group.id if r.group else None) for r in page.results]

    result["kinds"], result["queries"], result["breakdown"] = {}, {}, {}
    returned_all: dict[str, list] = {}
    for kind in KINDS:
        samples, returned = timed_runs(args, QUERIES[kind], search)
        result["kinds"][kind] = {"samples": samples}
        returned_all.update(returned)
        result["breakdown"][kind] = breakdown(QUERIES[kind], reader)
        print(f"  {LABELS[engine]}, {kind}: {len(samples)} runs, p95 "
              f"{stats(samples)[1]:.1f} ms", flush=True)
    # What the results page adds after Enter, for the common words: the first results of
    # each kind with their counts (overview), and the counts by kind with the group and
    # author facets (summary, one pass over the matches).
    page_args = argparse.Namespace(**{**vars(args), "runs": max(MIN_RUNS, args.runs // 5)})
    result["page"] = {}
    for name, call in (("overview", lambda q: selectors.overview(reader, q, per_kind=3)),
                       ("summary", lambda q: selectors.summary(reader, q))):
        samples, _returned = timed_runs(page_args, QUERIES["one word"], call)
        result["page"][name] = samples
        print(f"  {LABELS[engine]}, results page {name}: {len(samples)} runs, p95 "
              f"{stats(samples)[1]:.1f} ms", flush=True)
    result["load_after"] = load_average()

    # Untimed: how many entries each query matches, in the index and for the reader.
    backend = backends.current()
    for q in returned_all:
        parsed = parsing.parse(q)
        result["queries"][q] = {
            "matches": backend.matching(Entry.objects.all(), parsed).count(),
            "visible": sum(selectors.summary(reader, q).counts.values())}

    # Every result of every run: one the reader may see.
    seen = {key for pages in returned_all.values() for page in pages for key in page}
    where = {}
    keys = sorted(seen)
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        condition = " OR ".join(["(kind = %s AND object_id = %s)"] * len(chunk))
        for kind, oid, gid, audience in sql(
                f"SELECT kind, object_id, group_id, audience FROM search_entry "
                f"WHERE {condition}", [value for key in chunk for value in key[:2]]):
            where[(kind, oid)] = (gid, audience)
    active = set(User.objects.filter(is_active=True).values_list("id", flat=True))
    leaks = []
    for kind, oid, shown_group in seen:
        gid, audience = where[(kind, oid)]
        if kind == "person":
            allowed = oid in active
        elif kind == "group":
            allowed = gid in listed
        else:
            allowed = (gid in visible and audience is None) or \
                (gid is None and audience in audiences)
        if not allowed or shown_group != gid:
            leaks.append((kind, oid, gid, audience))
    results = sum(len(page) for pages in returned_all.values() for page in pages)
    result["checked"] = {"results": results, "distinct": len(seen), "leaks": leaks[:20],
                         "leak_count": len(leaks)}

    # Each rare word: exactly the planted rows the reader may see (a full page of them when
    # there are more than a page).
    rare = {}
    for word, mine in expected.items():
        bad = []
        for page in returned_all[word]:
            found = {(kind, oid) for kind, oid, _gid in page}
            ok = (found == mine) if len(mine) <= PAGE else (len(page) == PAGE
                                                            and found <= mine)
            if not ok:
                bad.append(sorted(found ^ mine)[:5])
        rare[word] = {"expected": len(mine), "runs": len(returned_all[word]),
                      "wrong_runs": len(bad), "example": bad[:1]}
    result["rare"] = rare
    return result


# === The driver ===============================================================================

def machine(results: dict) -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    parts = [f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB"]
    for engine in ENGINES:
        if engine in results:
            r = results[engine]
            parts.append(f"{LABELS[engine]} {r['version']}")
    pg = results.get("postgresql", {}).get("settings")
    if pg:
        parts.append(", ".join(f"{k} {v}" for k, v in pg.items()))
    django = next((r["django"] for r in results.values() if "django" in r), None)
    parts.append(f"Python {sys.version.split()[0]}" + (f", Django {django}" if django else ""))
    return "; ".join(parts)


def run_engine(engine: str, args, out: Path) -> dict | None:
    command = [sys.executable, __file__, "--engine", engine, "--out", str(out),
               "--runs", str(args.runs), "--max-seconds", str(args.max_seconds),
               "--warmup", str(args.warmup)]
    if args.rebuild:
        command.append("--rebuild")
    if args.build_only:
        command.append("--build-only")
    print(f"\n## {LABELS[engine]}  (load average {load_average()})", flush=True)
    completed = subprocess.run(command, cwd=ROOT, check=False)
    if completed.returncode != 0 or not out.exists():
        print(f"  {LABELS[engine]} failed (exit status {completed.returncode})", flush=True)
        return None
    return json.loads(out.read_text())


def describe(results: dict) -> str:
    sizes = ", ".join(f"{LABELS[e]} {results[e]['size'] / 2**30:.2f} GiB, built in "
                      f"{results[e]['build_seconds']:.0f} s"
                      for e in ENGINES if e in results)
    content = sum(CONTENT.values())
    lines = [
        f"data: {content + GROUPS + PEOPLE + 1:,} entries: {CONTENT['post']:,} posts, "
        f"{CONTENT['announcement']:,} announcements, {CONTENT['comment']:,} comments, "
        f"{CONTENT['message']:,} channel messages, {CONTENT['direct']:,} direct messages, "
        f"{CONTENT['document']:,} documents (1.5-8 KB of text), {GROUPS:,} groups, "
        f"{PEOPLE + 1:,} people; French (70%) and English",
        f"reader: a staff member who sees {READER_GROUPS} groups and is in "
        f"{READER_CONVERSATIONS} direct conversations"]
    django = [r for r in results.values() if "reader_entries" in r]
    if django:
        seen = django[0]["reader_entries"]
        lines[-1] += f": {seen:,} entries ({seen / content:.1%} of the content)"
    lines.append(f"stored: {sizes}")
    return "\n".join(lines)


def report(args, results: dict) -> int:
    print(f"\n{machine(results)}")
    print(describe(results))
    if args.build_only:
        return 0
    measured = [e for e in ENGINES if e in results and "kinds" in results[e]]
    runs = {e: [len(results[e]["kinds"][k]["samples"]) for k in KINDS] for e in measured}
    print(f"\nsearch(reader, q): first page of {PAGE} by relevance, titles and snippets "
          f"highlighted; tantivy: top {PAGE} with a snippet each, no permissions")
    print("runs per kind: " + ", ".join(f"{LABELS[e]} {min(r)}-{max(r)}"
                                        for e, r in runs.items())
          + "; load average before/after: " + ", ".join(
              f"{LABELS[e]} {results[e]['load_before']} / {results[e]['load_after']}"
              for e in measured))
    short = {"postgresql": "PG", "sqlite": "SQLite", "tantivy": "tantivy"}
    ratios = [e for e in measured if e != "tantivy"] if "tantivy" in measured else []
    names = "".join(f"{LABELS[e] + (' (reference)' if e == 'tantivy' else ''):^27}"
                    for e in measured)
    print(f"{'':<12}{names}" + (f"{'p95 / reference':>{9 * len(ratios) + 2}}" if ratios else ""))
    print(f"{'query kind':<12}" + f"{'p50':>9}{'p95':>9}{'p99':>9}" * len(measured)
          + "".join(f"{short[e]:>9}" for e in ratios) + "  (ms)")
    for kind in KINDS:
        line = f"{kind:<12}"
        for e in measured:
            line += "".join(f"{value:>9.1f}" for value in stats(results[e]["kinds"][kind]
                                                                ["samples"]))
        if ratios:
            reference = stats(results["tantivy"]["kinds"][kind]["samples"])[1]
            for e in ratios:
                ratio = stats(results[e]["kinds"][kind]["samples"])[1] / reference
                line += f"{ratio:>8.1f}x"
        print(line)

    for e in [e for e in measured if e != "tantivy"]:
        parts = []
        for kind in KINDS:
            split = results[e]["breakdown"][kind]
            parts.append(f"{kind} {split['rows']:.0f} + {split['highlights']:.0f}")
        print(f"  {LABELS[e]}, p50 of the ranked rows + their highlighting (ms): "
              + "; ".join(parts))

    for e in [e for e in measured if e != "tantivy" and "page" in results[e]]:
        figures = "; ".join(
            f"{name} {stats(samples)[0]:.1f} / {stats(samples)[1]:.1f}"
            for name, samples in results[e]["page"].items())
        print(f"  {LABELS[e]}, the results page's other work for one word, p50 / p95 (ms): "
              f"{figures}")

    print("\nqueries (matches in the whole index / visible to the reader; tantivy: matches)")
    for kind in KINDS:
        cells = []
        for q in QUERIES[kind]:
            figures = []
            for e in measured:
                found = results[e]["queries"].get(q, {})
                if "visible" in found:
                    figures.append(f"{short[e]} {found['matches']:,}/{found['visible']:,}")
                elif "matches" in found:
                    figures.append(f"{short[e]} {found['matches']:,}")
            cells.append(f"{q} ({', '.join(figures)})")
        print(f"  {kind}: " + "; ".join(cells))

    failures = 0
    for e in measured:
        if e == "tantivy":
            print("  tantivy: each rare word found in exactly the rows it was planted in")
            continue
        checked = results[e]["checked"]
        if checked["leak_count"]:
            failures += 1
            print(f"  {LABELS[e]}: PERMISSION LEAK: {checked['leak_count']} results the "
                  f"reader may not see, e.g. {checked['leaks'][:3]}")
        else:
            print(f"  {LABELS[e]}: checked {checked['results']:,} results "
                  f"({checked['distinct']:,} distinct): each in one of the reader's "
                  f"{READER_GROUPS} groups or direct conversations, a group they may list, "
                  f"or an active person")
        for word, rare in results[e]["rare"].items():
            if rare["wrong_runs"]:
                failures += 1
                print(f"  {LABELS[e]}: {word!r}: WRONG in {rare['wrong_runs']} of "
                      f"{rare['runs']} runs (differences {rare['example']})")
        words = ", ".join(f"{word} {min(rare['expected'], PAGE)}"
                          + (f" of {rare['expected']}" if rare["expected"] > PAGE else "")
                          for word, rare in results[e]["rare"].items()
                          if not rare["wrong_runs"])
        print(f"  {LABELS[e]}: rare words returned exactly the planted rows the reader may "
              f"see, every run ({words})")

    print(f"\ntargets (issue 5): p95 under {TARGET_MS} ms on PostgreSQL and within "
          f"{TARGET_RATIO}x of the reference")
    verdicts = []
    if "postgresql" not in measured:
        print("  n/a      PostgreSQL not measured (set DATABASE_URL=postgres://…)")
    for kind in KINDS:
        if "postgresql" not in measured:
            break
        p95 = stats(results["postgresql"]["kinds"][kind]["samples"])[1]
        ok = p95 < TARGET_MS
        verdicts.append(ok)
        print(f"  {'met    ' if ok else 'NOT MET'}  {kind}: PostgreSQL p95 {p95:.1f} ms "
              f"< {TARGET_MS} ms")
        if "tantivy" in measured:
            reference = stats(results["tantivy"]["kinds"][kind]["samples"])[1]
            ok = p95 <= TARGET_RATIO * reference
            verdicts.append(ok)
            print(f"  {'met    ' if ok else 'NOT MET'}  {kind}: PostgreSQL p95 "
                  f"{p95 / reference:.1f}x tantivy's ({reference:.2f} ms) <= {TARGET_RATIO}x")
    if "sqlite" in measured and "tantivy" in measured:
        worst = max(KINDS, key=lambda k: stats(results["sqlite"]["kinds"][k]["samples"])[1])
        p95 = stats(results["sqlite"]["kinds"][worst]["samples"])[1]
        print(f"  (info)   SQLite, slowest kind ({worst}): p95 {p95:.1f} ms")
    if failures:
        return 1
    return 1 if args.strict and not all(verdicts) else 0


def main() -> int:
    args = parse_args()
    if args.engine:
        result = tantivy_worker(args) if args.engine == "tantivy" else django_worker(args)
        Path(args.out).write_text(json.dumps(result, default=str))
        return 0
    postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    # By default the configured database (PostgreSQL when DATABASE_URL names it, SQLite
    # otherwise) beside the reference; --only chooses (repeat it for several).
    engines = args.only or ["postgresql" if postgres else "sqlite", "tantivy"]
    if "postgresql" in engines and not postgres:
        sys.exit("PostgreSQL needs DATABASE_URL=postgres://user@host:port/any_name (the "
                 "benchmark uses its own database there).")
    if "tantivy" in engines:
        try:
            import tantivy  # noqa: F401
        except ImportError:
            print('tantivy is not installed: pip install -e ".[bench]" (the reference is '
                  "left out)", flush=True)
            engines = [e for e in engines if e != "tantivy"]
    started = time.perf_counter()
    results = {}
    with tempfile.TemporaryDirectory(prefix="relais-bench-search-") as scratch:
        for engine in engines:
            result = run_engine(engine, args, Path(scratch) / f"{engine}.json")
            if result is None:
                return 1
            results[engine] = result
    status = report(args, results)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
