"""Tell the audience of every required announcement whose deadline is near, and who have not
acknowledged it, that it is (for a task backend that cannot wait, or after workers were down).
Safe to run at any time, for instance every few minutes from cron: each announcement's notice
goes out once."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from feed import selectors, services


class Command(BaseCommand):
    help = "Notify those who have not acknowledged an announcement whose deadline is near."

    def handle(self, *args, **options):
        now = timezone.now()
        post_ids = list(selectors.due_acknowledgement_notices(now).values_list("id", flat=True))
        notified = sum(services.notify_acknowledgement_due(post_id, now=now)
                       for post_id in post_ids)
        self.stdout.write(f"{len(post_ids)} announcements: {notified} people notified")
