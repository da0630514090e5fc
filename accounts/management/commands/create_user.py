from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import User


class Command(BaseCommand):
    help = "Create an active account with a verified email (for provisioning scripts)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", required=True, help="Display name")
        parser.add_argument("--password", help="Without it the account cannot sign in by password "
                                               "until a reset.")
        parser.add_argument("--guest", action="store_true", help="An external guest")
        parser.add_argument("--staff", action="store_true", help="An organisation admin")
        parser.add_argument("--job-title", default="")
        parser.add_argument("--department", default="")

    def handle(self, *args, email, name, password, guest, staff, job_title, department, **opts):
        try:
            user = services.create_user(
                email=email, display_name=name, password=password, is_staff=staff,
                kind=User.Kind.GUEST if guest else User.Kind.MEMBER,
                job_title=job_title, department=department)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if staff:
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
        self.stdout.write(f"Created {user.email} ({user.get_kind_display()}, id {user.pk})")
