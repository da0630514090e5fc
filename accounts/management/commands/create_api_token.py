from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import User


class Command(BaseCommand):
    help = "Create an API token for a user; the token alone is printed on the last line."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="command line")

    def handle(self, *args, email, name, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account with the email address {email}.")
        try:
            token, secret = services.create_api_token(user=user, name=name)
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Token “{token.name}” for {user.email}; it is shown only once:")
        self.stdout.write(secret)
