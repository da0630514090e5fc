"""Files attached to posts become documents of their group's library (issue #5).

Each attachment stored with its post gets a document in the group's Attachments folder, with
its file copied to where documents are stored, its name, its author as uploader and its date;
the old file is deleted once this is committed. Nothing a user wrote is lost: a file missing
from storage leaves its attachment as it was. Their text is read for search afterwards by
``manage.py extract_document_text`` (docs/documents.md).
"""

import logging
import os
import secrets

from django.db import migrations, transaction

logger = logging.getLogger(__name__)

NAME_MAX = 255


def _document_name(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip(". ")
    return " ".join(name.split())[:NAME_MAX] or "document"


def _stored_name(group_id: int, created, content_type: str) -> str:
    # As documents.models.version_path names a version's file.
    from documents.filetypes import file_type

    extension = file_type(content_type).extension
    return (f"documents/{group_id}/{created:%Y/%m}/{secrets.token_hex(16)}"
            f"{'.' + extension if extension else ''}")


def move_attachments_to_documents(apps, schema_editor):
    """Idempotent: only attachments without a document are moved. Returns how many were."""
    Attachment = apps.get_model("feed", "Attachment")
    Document = apps.get_model("documents", "Document")
    DocumentVersion = apps.get_model("documents", "DocumentVersion")
    Folder = apps.get_model("documents", "Folder")
    storage = DocumentVersion._meta.get_field("file").storage
    folders: dict[int, object] = {}
    old_files, moved = [], 0
    pending = (Attachment.objects.filter(document__isnull=True).exclude(file="")
               .select_related("post").order_by("id"))
    for attachment in list(pending):
        post = attachment.post
        try:
            with storage.open(attachment.file.name, "rb") as source:
                new_name = storage.save(_stored_name(post.group_id, attachment.created,
                                                     attachment.content_type), source)
        except OSError:
            logger.warning("The file of post attachment %s is missing; it stays as it was.",
                           attachment.id)
            continue
        folder = folders.get(post.group_id)
        if folder is None:
            folder, _created = Folder.objects.get_or_create(
                group_id=post.group_id, is_attachments=True,
                defaults={"name": "Attachments", "parent": None})
            folders[post.group_id] = folder
        document = Document.objects.create(
            group_id=post.group_id, folder=folder, name=_document_name(attachment.name),
            uploaded_by_id=post.author_id, created=attachment.created,
            updated=attachment.created)
        version = DocumentVersion.objects.create(
            document=document, number=1, file=new_name, size=attachment.size,
            content_type=attachment.content_type, original_name=attachment.name[:NAME_MAX],
            uploaded_by_id=post.author_id, created=attachment.created,
            extraction_status="pending")
        Document.objects.filter(pk=document.pk).update(current_version=version)
        old_files.append(attachment.file.name)
        Attachment.objects.filter(pk=attachment.pk).update(document=document, file="")
        moved += 1

    def delete_old_files():
        for name in old_files:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("Could not delete the old attachment file %s", name)

    transaction.on_commit(delete_old_files, using=schema_editor.connection.alias)
    return moved


def report(apps, schema_editor):
    moved = move_attachments_to_documents(apps, schema_editor)
    if moved:
        print(f"\n    {moved} post attachments moved to their groups' libraries: run "
              "`manage.py extract_document_text` to read their text for search.")


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0001_initial"),
        ("feed", "0005_attachment_document"),
    ]

    operations = [
        migrations.RunPython(report, migrations.RunPython.noop),
    ]
