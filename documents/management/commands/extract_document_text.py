"""Read the text of every document version still waiting for it (after the task workers were
down, or a task was lost). Safe to run at any time: a version is read once."""

from django.core.management.base import BaseCommand

from documents import selectors, services


class Command(BaseCommand):
    help = "Read the text of the document versions still waiting for it."

    def handle(self, *args, **options):
        ids = list(selectors.pending_extractions().order_by("id").values_list("id", flat=True))
        statuses = [services.extract_text(version_id) for version_id in ids]
        done = sum(status == "done" for status in statuses)
        self.stdout.write(f"{len(ids)} versions waiting: {done} read")
