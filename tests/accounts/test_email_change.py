"""allauth's email pages change a primary address outside accounts.services: the person's
search entry follows (accounts/receivers.py)."""

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_changed

from tests.search.conftest import ids

pytestmark = pytest.mark.django_db


def test_a_changed_primary_address_is_found_by_search_and_the_old_one_no_more(
        user, other_user, django_capture_on_commit_callbacks):
    old = EmailAddress.objects.get(user=user, primary=True)
    with django_capture_on_commit_callbacks(execute=True):
        new = EmailAddress.objects.create(user=user, email="c.martin@chu-exemple.fr",
                                          verified=True)
        # What allauth's "Make primary" does, then its signal.
        new.set_as_primary()
        email_changed.send(sender=user.__class__, request=None, user=user,
                           from_email_address=old, to_email_address=new)
    # Whole addresses, followed by a space (a finished word): PostgreSQL indexes an address
    # as one token, SQLite as its words; both find it so.
    assert ids(other_user, "c.martin@chu-exemple.fr ", kind="person") == {user.id}
    assert ids(other_user, "camille.martin@hopital.example ", kind="person") == set()
