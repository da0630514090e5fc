"""groups' answer to the accounts hook (see accounts/signals.py for why it is a signal)."""

from accounts.signals import user_activated
from groups import services


def on_user_activated(sender, *, user, invitation=None, **kwargs):
    services.welcome_new_user(user=user)


def connect():
    user_activated.connect(on_user_activated, dispatch_uid="groups.welcome_new_user")
