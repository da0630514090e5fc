from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "desk"
    verbose_name = _("Request desks")

    def ready(self):
        from chat import permissions as chat_permissions
        from desk import receivers

        receivers.connect()
        # Every channel message asks whether its group is a desk (receivers.on_message_sent):
        # read with the conversation, the answer costs no query of its own.
        if "group__desk" not in chat_permissions.SENDING_RELATED:
            chat_permissions.SENDING_RELATED.append("group__desk")
