from django.core.management.base import BaseCommand

from network.realtime import prune_events


class Command(BaseCommand):
    help = "Delete real-time events older than RELAIS_EVENT_RETENTION_DAYS (run daily)."

    def handle(self, *args, **options):
        self.stdout.write(f"Deleted {prune_events()} old events.")
