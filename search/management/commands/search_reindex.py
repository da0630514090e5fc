"""Rebuild the search index from the content itself (docs/search.md, "Operations").

Safe while Relais runs: entries are rewritten in batches (searches keep working), then the
entries of each kind that were not rewritten (content deleted since, or no longer findable)
are removed. With --kind, only those kinds are rebuilt.
"""

from __future__ import annotations

import time
from itertools import islice

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from search import services, sources
from search.models import Kind

BATCH_SIZE = 500


class Progress:
    """A bar on stderr, redrawn in place on a terminal; silent elsewhere (cron, logs)."""

    WIDTH = 30

    def __init__(self, stream, label: str, total: int):
        """``stream`` is the command's stderr (an OutputWrapper)."""
        self.stream, self.label, self.total, self.done = stream, label, total, 0
        self.live = stream.isatty()
        self.started = time.monotonic()
        self._draw()

    def advance(self, count: int) -> None:
        self.done += count
        self._draw()

    def _draw(self) -> None:
        if not self.live:
            return
        total = max(self.total, self.done, 1)
        filled = int(self.WIDTH * self.done / total)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self._write(f"\r{self.label:<14} [{bar}] {self.done:>9,}/{self.total:,} "
                    f"{100 * self.done // total:>3}%")

    def finish(self) -> float:
        if self.live:
            self._write("\n")
        return time.monotonic() - self.started

    def _write(self, text: str) -> None:
        # Plain (stderr is styled as errors by default) and without a line ending: the bar
        # is redrawn over itself.
        self.stream.write(text, style_func=str, ending="")
        self.stream.flush()


class Command(BaseCommand):
    help = "Rebuild the search index (all kinds, or those given with --kind)."

    def add_arguments(self, parser):
        parser.add_argument("--kind", action="append", choices=Kind.values, dest="kinds",
                            help="Rebuild only this kind (repeat for several).")

    def handle(self, *args, kinds=None, **options):
        available = sources.by_kind()
        wanted = list(dict.fromkeys(kinds or [k for k in Kind.values if k in available]))
        missing = [kind for kind in wanted if kind not in available]
        if missing:
            raise CommandError(f"No source gives {', '.join(missing)}: add its module to "
                               f"RELAIS_SEARCH_SOURCES.")
        total = 0
        for kind in wanted:
            total += self._rebuild(kind, available[kind])
        audiences = self._audiences({available[kind] for kind in wanted})
        if connection.vendor == "sqlite" and not kinds:
            # Rebuild the FTS5 table from the entries (repairs anything that went out of step)
            # and merge its segments.
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
                cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
        elif connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE search_entry")
        self.stdout.write(f"Search index rebuilt: {total:,} entries"
                          + (f", {audiences:,} conversation audiences" if audiences else "")
                          + ".")

    def _rebuild(self, kind: str, source) -> int:
        started_at = timezone.now()
        progress = Progress(self.stderr, kind, source.search_count(kind))
        documents = iter(source.search_documents(kind))
        while batch := list(islice(documents, BATCH_SIZE)):
            progress.advance(services.index_many(batch))
        removed = services.remove_stale(kind, indexed_before=started_at)
        seconds = progress.finish()
        self.stdout.write(f"{kind}: {progress.done:,} indexed, {removed:,} removed "
                          f"({seconds:.1f} s)")
        return progress.done

    def _audiences(self, modules) -> int:
        count = 0
        for module in modules:
            if not hasattr(module, "search_audiences"):
                continue
            for key, user_ids in module.search_audiences():
                services.set_audience(key, user_ids)
                count += 1
        return count
