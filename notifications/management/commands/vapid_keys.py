"""Create the server's VAPID key for web push when it has none (idempotent)."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from notifications import vapid


class Command(BaseCommand):
    help = "Create the VAPID key that signs web push, unless one exists; print the public key."

    def handle(self, *args, **options):
        path = settings.RELAIS_VAPID_KEY_FILE
        try:
            created = vapid.generate()
            public = vapid.public_key()
        except OSError as error:
            raise CommandError(f"Cannot write the VAPID key to {path}: {error}") from error
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        if created:
            self.stdout.write(f"Created the VAPID key in {path}; keep it: a new key cuts off "
                              "every browser that subscribed.")
        elif settings.RELAIS_VAPID_PRIVATE_KEY.strip():
            self.stdout.write("Using the VAPID key from RELAIS_VAPID_PRIVATE_KEY.")
        else:
            self.stdout.write(f"Kept the existing VAPID key in {path}.")
        self.stdout.write(f"Public key: {public}")
