"""A group's document library: folders, documents and their versions."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from documents import filetypes
from groups.models import Group


class Folder(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="document_folders")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="children")
    name = models.CharField(_("name"), max_length=120)
    # The folder that will hold the files attached to posts and chat messages; created on
    # demand, one per group, and neither renamed nor deleted.
    is_attachments = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("folder")
        verbose_name_plural = _("folders")
        constraints = [
            models.UniqueConstraint(Lower("name"), "parent", name="folder_name_unique_in_parent",
                                    condition=models.Q(parent__isnull=False)),
            models.UniqueConstraint(Lower("name"), "group", name="folder_name_unique_at_root",
                                    condition=models.Q(parent__isnull=True,
                                                       is_attachments=False)),
            models.UniqueConstraint(fields=["group"], condition=models.Q(is_attachments=True),
                                    name="one_attachments_folder_per_group"),
        ]
        indexes = [models.Index(fields=["group", "parent", "name"], name="folder_listing")]

    def __str__(self):
        return self.name

    @property
    def label(self) -> str:
        """The name shown: the attachments folder's is in the reader's language."""
        return _("Attachments") if self.is_attachments else self.name


class Document(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="documents")
    # None: the root of the library.
    folder = models.ForeignKey(Folder, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="documents")
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    trashed_at = models.DateTimeField(null=True, blank=True)
    trashed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    current_version = models.ForeignKey("DocumentVersion", on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="+")

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [
            models.Index(fields=["group", "folder", "name"], name="document_folder_listing",
                         condition=models.Q(trashed_at__isnull=True)),
            models.Index(fields=["group", "-updated"], name="document_recent",
                         condition=models.Q(trashed_at__isnull=True)),
            models.Index(fields=["trashed_at"], name="document_trash",
                         condition=models.Q(trashed_at__isnull=False)),
        ]

    def __str__(self):
        return self.name

    @property
    def is_trashed(self) -> bool:
        return self.trashed_at is not None


UNREADABLE = _("The text of this file could not be read.")


def version_path(instance, filename):
    # Never the user's name: that is kept in ``original_name``. The extension is the one of
    # the kind found in the content, for the tools that go by it (text readers, nginx).
    extension = filetypes.file_type(instance.content_type).extension
    return (f"documents/{instance.document.group_id}/{timezone.now():%Y/%m}/"
            f"{secrets.token_hex(16)}{'.' + extension if extension else ''}")


class DocumentVersion(models.Model):
    class Extraction(models.TextChoices):
        PENDING = "pending", _("Reading the text")
        DONE = "done", _("Text read")
        FAILED = "failed", _("The text could not be read")
        UNSUPPORTED = "unsupported", _("No text to read in this kind of file")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=version_path, max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    original_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    text = models.TextField(blank=True)
    extraction_status = models.CharField(max_length=16, choices=Extraction.choices,
                                         default=Extraction.PENDING)
    # Why the text could not be read: the reader's stable code (documents.extraction.REASONS)
    # and its sentence in the source language, shown when the code is unknown.
    extraction_code = models.CharField(max_length=40, blank=True)
    extraction_error = models.CharField(max_length=300, blank=True)
    extracted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        constraints = [models.UniqueConstraint(fields=["document", "number"],
                                               name="one_version_number_per_document")]

    def __str__(self):
        return f"{self.original_name} (v{self.number})"

    @property
    def file_type(self) -> filetypes.FileType:
        return filetypes.file_type(self.content_type)

    @property
    def is_image(self) -> bool:
        return self.content_type in filetypes.IMAGE_TYPES

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    @property
    def is_text(self) -> bool:
        return self.content_type in filetypes.TEXT_TYPES

    @property
    def extraction_reason(self) -> str:
        """Why the text could not be read, in the reader's language."""
        if self.extraction_status != self.Extraction.FAILED:
            return ""
        if self.extraction_code:
            from documents.extraction import REASONS, reason_for

            if self.extraction_code in REASONS:
                return str(reason_for(self.extraction_code))
        return gettext(self.extraction_error) if self.extraction_error else str(UNREADABLE)
