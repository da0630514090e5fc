"""chat's answer to the groups hook (see groups/signals.py for why it is a signal)."""

from groups.signals import group_created


def on_group_created(sender, *, group, **kwargs):
    from chat.services import ensure_channel

    ensure_channel(group)


def connect():
    group_created.connect(on_group_created, dispatch_uid="chat.ensure_channel")
