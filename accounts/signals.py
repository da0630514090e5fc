"""The one hook accounts offers to the apps that depend on it.

accounts may not import groups (DESIGN.md: dependencies point one way), yet a new account
must join the all-staff group and take up the group seats it was invited to. The accounts
services send ``user_activated`` explicitly, inside their transaction, when an account starts
to exist; groups answers it. It is never sent from a model's save().
"""

from django.dispatch import Signal

# Sent with ``user`` and ``invitation`` (an accounts.Invitation or None).
user_activated = Signal()
