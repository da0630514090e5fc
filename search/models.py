"""The search index: one row per thing that can be found, and who may read rows that belong
to no group (DESIGN.md, "Search").

Rows hold plain data pushed by the content apps. Who may see a row is never stored per user:
it is decided inside each query from the row's group (``groups.selectors.visible_groups``),
its audience (the people of a direct conversation) or, for people, the directory's rule.
The text columns are searched through a backend-specific index created by the migration: a
generated ``tsvector`` column on PostgreSQL, an FTS5 table on SQLite (search/backends.py).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    PERSON = "person", _("People")
    GROUP = "group", _("Groups")
    DOCUMENT = "document", _("Documents")
    ANNOUNCEMENT = "announcement", _("Announcements")
    POST = "post", _("Posts")
    COMMENT = "comment", _("Comments")
    MESSAGE = "message", _("Messages")


class Entry(models.Model):
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField()
    # Content of a group: visible to whoever sees the group. Null for people and for the
    # messages of direct conversations, whose ``audience`` says who reads them.
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+")
    # "conversation:42": only the users listed under this key in Audience see the row.
    # Null when the group alone decides (the visibility rule and the partial index read it).
    audience = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    title = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    created = models.DateTimeField()
    url = models.CharField(max_length=500)
    extra = models.JSONField(default=dict, blank=True)
    # When the row was last written; search_reindex removes the rows it did not rewrite.
    indexed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "search_entry"
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"],
                                               name="one_search_entry_per_object")]
        indexes = [
            models.Index(fields=["group", "-created", "-id"], name="search_entry_group"),
            models.Index(fields=["-created", "-id"], name="search_entry_recent"),
            models.Index(fields=["audience"], condition=models.Q(audience__isnull=False),
                         name="search_entry_audience"),
            models.Index(fields=["kind", "indexed_at"], name="search_entry_sweep"),
        ]
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")

    def __str__(self):
        return f"{self.kind} #{self.object_id}"


class AudienceMember(models.Model):
    """One reader of the rows whose ``audience`` is ``key`` (a direct conversation's people)."""

    key = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")

    class Meta:
        db_table = "search_audience"
        constraints = [models.UniqueConstraint(fields=["key", "user"],
                                               name="one_search_audience_row_per_user")]
        indexes = [models.Index(fields=["user", "key"], name="search_audience_user")]

    def __str__(self):
        return f"{self.user_id} reads {self.key}"
