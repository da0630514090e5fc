"""desk's answers to the chat hooks (chat/signals.py says why they are signals)."""

from chat.signals import message_sent, reaction_added


def on_message_sent(sender, *, message, **kwargs):
    from desk import services

    services.message_sent(message)


def on_reaction_added(sender, *, message, user, emoji, **kwargs):
    from desk import routing

    routing.reaction_added(message=message, user=user, emoji=emoji)


def connect():
    message_sent.connect(on_message_sent, dispatch_uid="desk.message_sent")
    reaction_added.connect(on_reaction_added, dispatch_uid="desk.reaction_added")
