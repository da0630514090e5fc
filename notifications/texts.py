"""What a notification says, in the reader's language (it is rendered when read)."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.models import Notification

Kind = Notification.Kind


def describe(notification: Notification, *, actors: list | None = None) -> str:
    """``actors``: everyone behind a grouped line, newest first ("Hugo and 2 others")."""
    actor = notification.actor.display_name if notification.actor else _("Someone")
    if actors and len(actors) > 1:
        others = len(actors) - 1
        actor = ngettext("%(name)s and %(count)d other", "%(name)s and %(count)d others",
                         others) % {"name": actors[0].display_name, "count": others}
    group = notification.group.name if notification.group else ""
    texts = {
        Kind.MENTION: _("%(actor)s mentioned you in %(group)s"),
        Kind.REPLY: _("%(actor)s replied in %(group)s"),
        Kind.REACTION: _("%(actor)s reacted to your post in %(group)s"),
        Kind.DIRECT_MESSAGE: _("%(actor)s sent you a message"),
        Kind.URGENT_MESSAGE: _("Urgent: %(actor)s wrote in %(group)s"),
        Kind.ANNOUNCEMENT: _("New announcement in %(group)s"),
        Kind.ANNOUNCEMENT_REMINDER: _("Reminder from %(actor)s: please read this announcement "
                                      "in %(group)s"),
        Kind.ACKNOWLEDGEMENT_DUE: _("The deadline to acknowledge an announcement in "
                                    "%(group)s is near"),
        Kind.INVITATION: _("%(actor)s added you to %(group)s"),
        Kind.JOIN_REQUEST: _("%(actor)s asked to join %(group)s"),
        Kind.TICKET: _("A ticket you follow was updated"),
        Kind.DOCUMENT_SHARED: _("%(actor)s shared a document with you"),
    }
    values = {"actor": actor, "group": group}
    special = _special_case(notification, has_group=bool(group))
    return (special or texts.get(notification.kind, _("New activity"))) % values


def _special_case(notification: Notification, *, has_group: bool) -> str | None:
    """Wording that depends on what the notification points at, not only on its kind."""
    kind, target = notification.kind, notification.target_type
    if kind == Kind.INVITATION and target == "join_request":
        return _("%(actor)s approved your request to join %(group)s")
    if kind == Kind.REACTION and target == "message":
        return (_("%(actor)s reacted to your message in %(group)s") if has_group
                else _("%(actor)s reacted to your message"))
    if has_group:
        return None
    # A direct conversation belongs to no group.
    return {Kind.MENTION: _("%(actor)s mentioned you in a conversation"),
            Kind.REPLY: _("%(actor)s replied in a thread you follow")}.get(kind)
