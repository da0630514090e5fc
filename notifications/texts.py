"""What a notification says, in the reader's language (it is rendered when read)."""

from django.utils.translation import gettext as _

from notifications.models import Notification

Kind = Notification.Kind


def describe(notification: Notification) -> str:
    actor = notification.actor.display_name if notification.actor else _("Someone")
    group = notification.group.name if notification.group else ""
    texts = {
        Kind.MENTION: _("%(actor)s mentioned you in %(group)s"),
        Kind.REPLY: _("%(actor)s replied in %(group)s"),
        Kind.REACTION: _("%(actor)s reacted to your post in %(group)s"),
        Kind.DIRECT_MESSAGE: _("%(actor)s sent you a message"),
        Kind.ANNOUNCEMENT: _("New announcement in %(group)s"),
        Kind.ANNOUNCEMENT_REMINDER: _("Reminder from %(actor)s: please read this announcement "
                                      "in %(group)s"),
        Kind.ACKNOWLEDGEMENT_DUE: _("An announcement in %(group)s awaits your acknowledgement"),
        Kind.INVITATION: _("%(actor)s invited you to %(group)s"),
        Kind.JOIN_REQUEST: _("%(actor)s asked to join %(group)s"),
        Kind.TICKET: _("A ticket you follow was updated"),
        Kind.DOCUMENT_SHARED: _("%(actor)s shared a document with you"),
    }
    return texts.get(notification.kind, _("New activity")) % {"actor": actor, "group": group}
