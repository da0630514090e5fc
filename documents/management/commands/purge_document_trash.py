"""Delete for good the documents that have been in the trash longer than
RELAIS_DOCUMENT_TRASH_DAYS, with all their versions' files. Safe to run at any time, for
instance daily from cron (the task worker also does it when a document's time is up)."""

from django.core.management.base import BaseCommand

from documents import services


class Command(BaseCommand):
    help = "Delete the documents whose time in the trash is over, with their files."

    def handle(self, *args, **options):
        purged = services.purge_trash()
        self.stdout.write(f"{purged} documents deleted from the trash")
