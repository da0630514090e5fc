"""The hooks chat offers to the apps built on it (desk). chat may not import them (DESIGN.md:
dependencies point one way), yet a message in a desk's channel can become a ticket, a reply in
a ticket's thread is the ticket's discussion, and a reaction can forward a message to a desk.
The services send these explicitly, inside their transaction; never from a model's save().
"""

from django.dispatch import Signal

# Sent with ``message`` (just stored; ``message.thread_root`` is its thread's root or None)
# by send_message, for every new message.
message_sent = Signal()

# Sent with ``message``, ``user`` and ``emoji`` when someone adds a reaction.
reaction_added = Signal()
