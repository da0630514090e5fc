"""Checks on uploaded files (size, kind by content, how many at once) and the names they are
stored under."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from documents import filetypes
from documents.services._common import _clean_text, _limit

NAME_MAX = 255


class FileTooLarge(ValidationError):
    """A file is over RELAIS_UPLOAD_MAX_BYTES (answered with 413 by the views and the API)."""


@dataclass
class CheckedFile:
    upload: object
    name: str
    original_name: str
    content_type: str
    notice: str = ""



def clean_file_name(name: str) -> str:
    """The last part of a file name an upload came with, fit to show (never a path)."""
    name = _clean_text(os.path.basename((name or "").replace("\\", "/"))).strip(". ")
    if len(name) > NAME_MAX:
        stem, extension = os.path.splitext(name)
        extension = extension[:20]
        name = stem[: NAME_MAX - len(extension)] + extension
    return name or "document"


def size_in_mb(size: int, *, up: bool = False) -> str:
    """Megabytes for a message: a file's size is rounded up, a limit down, so a file just
    over the limit never reads as equal to it."""
    tenths = size * 10 / 1_048_576
    tenths = math.ceil(tenths) if up else math.floor(tenths)
    return f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths / 10:.1f}"


def check_file(upload) -> CheckedFile:
    """``upload``'s real kind and the name to store it under; refused (ValidationError, or
    FileTooLarge) when it is empty, too large or of a kind the library does not accept."""
    original = clean_file_name(getattr(upload, "name", "") or "")
    limit = _limit("upload_bytes")
    if upload.size > limit:
        raise FileTooLarge(_("“%(name)s” is too large (%(size)s MB): files can be %(limit)s MB "
                             "at most.") % {"name": original,
                                            "size": size_in_mb(upload.size, up=True),
                                            "limit": size_in_mb(limit)}, code="file_too_large")
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": original}, code="empty")
    detected = filetypes.detect(upload, original)
    real = filetypes.file_type(detected.content_type)
    if not filetypes.is_allowed(detected.content_type):
        if detected.renamed_from:
            message = _("“%(name)s” is not what its name says: its content is of the kind "
                        "“%(real)s”, which cannot be shared here.")
        else:
            message = _("“%(name)s” cannot be shared here: its content is of the kind "
                        "“%(real)s”.")
        message = message % {"name": original, "real": real.label}
        accepted = _("Accepted: %(kinds)s.") % {"kinds": filetypes.allowed_extensions()}
        raise ValidationError(f"{message} {accepted}", code="refused_type")
    notice = ""
    if detected.renamed_from:
        notice = (_("“%(name)s” is not what its name says: its content is of the kind "
                    "“%(real)s”, so it was saved as “%(saved)s”.")
                  % {"name": original, "real": real.label, "saved": detected.name})
    return CheckedFile(upload, clean_file_name(detected.name), original, detected.content_type,
                       notice)


def check_files(files, *, field_name: str = "files") -> list[CheckedFile]:
    """Every file checked; all refusals at once, naming each file and the limit it broke."""
    files = list(files or [])
    if not files:
        raise ValidationError({field_name: _("Choose at least one file.")})
    limit = _limit("documents_per_upload")
    if len(files) > limit:
        message = ngettext("Upload %(limit)s file at most at once (you chose %(count)s).",
                           "Upload %(limit)s files at most at once (you chose %(count)s).",
                           limit)
        raise ValidationError({field_name: message % {"limit": limit, "count": len(files)}})
    checked, refusals, too_large = [], [], []
    for upload in files:
        try:
            checked.append(check_file(upload))
        except FileTooLarge as error:
            too_large.extend(error.messages)
        except ValidationError as error:
            refusals.extend(error.messages)
    if refusals:
        raise ValidationError({field_name: too_large + refusals})
    if too_large:
        raise FileTooLarge({field_name: too_large})
    return checked


