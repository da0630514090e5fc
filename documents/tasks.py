"""Background work of the document libraries."""

from django_tasks import task


@task()
def extract_document_text(version_id: int) -> str | None:
    """Read the text of a document version and store it with its status (and the reason when
    it cannot be read); a version already read is left alone, so running twice is safe."""
    from documents.services import extract_text

    return extract_text(version_id)


@task()
def purge_document_trash() -> int:
    """Delete, with their files, the documents in the trash past the retention period."""
    from documents.services import purge_trash

    return purge_trash()
