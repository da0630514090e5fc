"""Deliver every email and push that has fallen due (for a task backend that cannot wait,
or after workers were down). Safe to run at any time, for instance every few minutes."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications import delivery


class Command(BaseCommand):
    help = "Send the notification emails and pushes that have fallen due."

    def handle(self, *args, **options):
        now = timezone.now()
        user_ids = delivery.recipients_due(now)
        emailed = pushed = 0
        for user_id in user_ids:
            result = delivery.deliver_to(user_id, now=now)
            emailed += result.emailed
            pushed += result.pushed
        self.stdout.write(f"{len(user_ids)} people: {emailed} notifications emailed, "
                          f"{pushed} pushed")
