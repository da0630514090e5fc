"""The one hook groups offers to the content apps that depend on it.

groups may not import chat (DESIGN.md: dependencies point one way), yet every group has a
chat channel from its first moment, so that its id can be given out with the group. The
groups services send ``group_created`` explicitly, inside their transaction; chat answers it.
"""

from django.dispatch import Signal

# Sent with ``group``.
group_created = Signal()
