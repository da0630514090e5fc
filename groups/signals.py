"""The hooks groups offers to the apps that depend on it.

groups may not import chat (DESIGN.md: dependencies point one way), yet every group has a
chat channel from its first moment, so that its id can be given out with the group. The
groups services send ``group_created`` explicitly, inside their transaction; chat answers it.
Nor may groups import notifications, yet people are told when they are added to a group and
admins when someone asks to join: the membership signals below, answered by notifications.
None of them is ever sent from a model's save().
"""

from django.dispatch import Signal

# Sent with ``group``.
group_created = Signal()

# Sent with ``group``, ``user`` (the person added), ``actor`` (who added them) and ``role``
# when someone adds an existing account to a group, or invites one by its email. Not sent when
# a person joins by themselves, nor for the seats a new account takes up on its creation.
member_added = Signal()

# Sent with ``join_request`` when someone asks to join a private group.
join_requested = Signal()

# Sent with ``join_request`` (its status says approved or denied) and ``actor`` when a group
# admin answers a request.
join_request_decided = Signal()

# Sent with ``join_request`` when its author withdraws it.
join_request_withdrawn = Signal()
