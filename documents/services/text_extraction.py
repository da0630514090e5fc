"""Reading and storing the text of a version, run by the ``extract_document_text`` task that
uploads queue on commit."""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile

from django.db import transaction
from django.utils import timezone, translation

from documents import events, search_index
from documents.models import UNREADABLE, DocumentVersion
from network.realtime import group_stream, send_event_on_commit

logger = logging.getLogger(__name__)

Extraction = DocumentVersion.Extraction
EXTRACTION_ERROR_MAX = 300


@contextlib.contextmanager
def _local_path(version: DocumentVersion):
    """A path on this machine holding the version's bytes (storage may be remote)."""
    try:
        yield version.file.path
        return
    except NotImplementedError:
        pass
    suffix = f".{version.file_type.extension}" if version.file_type.extension else ""
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy, version.file.open("rb") as source:
        shutil.copyfileobj(source, copy)
        copy.flush()
        yield copy.name


def _source_language(reason) -> str:
    # Stored untranslated; the pages translate it into each reader's language.
    with translation.override(None):
        return str(reason)[:EXTRACTION_ERROR_MAX]


def extract_text(version_id: int) -> str | None:
    """Read and store the text of a version, once: a version already read (or being read by
    another worker that finishes first) is left as it is. Returns the version's status, None
    when it no longer exists."""
    from documents import extraction

    version = DocumentVersion.objects.select_related("document").filter(id=version_id).first()
    if version is None or version.extraction_status != Extraction.PENDING:
        return version.extraction_status if version else None
    text, code, reason = "", "", ""
    try:
        with _local_path(version) as path:
            text = extraction.extract(path, version.content_type)
        status = Extraction.DONE
    except extraction.UnsupportedType:
        status = Extraction.UNSUPPORTED
    except extraction.ExtractionFailed as error:
        status, code = Extraction.FAILED, str(getattr(error, "code", ""))[:40]
        reason = _source_language(getattr(error, "reason", UNREADABLE))
    except Exception:
        logger.exception("Reading the text of document version %s failed", version_id)
        status, reason = Extraction.FAILED, _source_language(UNREADABLE)
    with transaction.atomic():
        updated = DocumentVersion.objects.filter(
            id=version_id, extraction_status=Extraction.PENDING).update(
            text=(text or "").replace("\x00", ""), extraction_status=status,
            extraction_code=code, extraction_error=reason, extracted_at=timezone.now())
        if updated:
            version.extraction_status = status
            search_index.index_document(version.document)
            send_event_on_commit(group_stream(version.document.group_id),
                                 events.text_extracted(version))
    return status
