"""The posts a library document is attached to, for the document's page
(settings.RELAIS_DOCUMENT_ATTACHMENT_SOURCES; documents imports nothing of feed)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from feed import selectors, services
from feed.models import Attachment


def attached_to(user, document) -> list[dict]:
    """``[{"label", "url", "created"}]`` for the posts ``user`` can see that carry
    ``document``, in one query. A deleted post is gone with its attachments."""
    posts = (selectors.visible_posts(user)
             .filter(id__in=Attachment.objects.filter(document=document).values("post_id"))
             .select_related("author", "group").order_by("created", "id"))
    return [{"label": _("Post by %(author)s in %(group)s")
             % {"author": post.author.display_name if post.author else _("a former member"),
                "group": post.group.name},
             "url": services.post_url(post), "created": post.created}
            for post in posts]
