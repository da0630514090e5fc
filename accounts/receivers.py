"""accounts' answer to allauth's own hook: allauth's email pages change a person's primary
address without going through accounts.services, and tell only through this signal. The
person's search entry holds their address, so it is written again."""

from allauth.account.signals import email_changed

from accounts import search_index


def on_email_changed(sender, *, user, **kwargs):
    search_index.index_person(user)


def connect():
    email_changed.connect(on_email_changed, dispatch_uid="accounts.reindex_on_email_change")
