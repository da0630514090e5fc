"""What several kinds of write share: limits, the file storage, clean text and the check that
a folder belongs to the library."""

from __future__ import annotations

import logging
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from documents.models import DocumentVersion, Folder
from groups.models import Group

logger = logging.getLogger(__name__)


def _limit(name: str) -> int:
    return settings.RELAIS_LIMITS[name]


def _storage():
    return DocumentVersion._meta.get_field("file").storage


def _delete_files(names: list[str]) -> None:
    storage = _storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not delete the stored file %s", name, exc_info=True)


def _clean_text(value: str) -> str:
    """``value`` without control characters, its spaces collapsed."""
    value = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c
                    for c in value or "")
    return " ".join(value.split())


def _check_folder(group: Group, folder: Folder | None) -> None:
    if folder is not None and folder.group_id != group.id:
        raise ValidationError({"folder": _("There is no such folder in this library.")})
