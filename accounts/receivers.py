"""accounts' answers to signals of allauth and of Django's authentication.

- allauth's email pages change a person's primary address without going through
  accounts.services, and tell only through ``email_changed``. The person's search entry holds
  their address, so it is written again.
- Signing in happens in the visitor's language (the browser's); what the rest of that
  request says, starting with allauth's "Successfully signed in" message, is in the person's
  own (UserPreferencesMiddleware does the same for every later request).
"""

from allauth.account.signals import email_changed
from django.contrib.auth.signals import user_logged_in

from accounts import search_index
from accounts.middleware import activate_user_preferences


def on_email_changed(sender, *, user, **kwargs):
    search_index.index_person(user)


def on_logged_in(sender, *, request, user, **kwargs):
    if request is not None:
        activate_user_preferences(request, user)


def connect():
    email_changed.connect(on_email_changed, dispatch_uid="accounts.reindex_on_email_change")
    user_logged_in.connect(on_logged_in, dispatch_uid="accounts.preferences_on_login")
