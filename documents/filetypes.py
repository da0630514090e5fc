"""The kinds of file a library holds: what each is called, its extensions, its icon, and
whether a browser may show it inline. A file's kind comes from its content
(network.uploads.sniff); its name only tells apart kinds whose content looks alike (plain text,
Markdown and CSV are all text; Word, Excel and PowerPoint 97 files are all OLE containers)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from network.uploads import sniff

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OCTET_STREAM = "application/octet-stream"


@dataclass(frozen=True)
class FileType:
    content_type: str
    label: Promise
    extensions: tuple[str, ...]
    icon: str

    @property
    def extension(self) -> str:
        return self.extensions[0] if self.extensions else ""


_TYPES = [
    FileType("application/pdf", _("PDF document"), ("pdf",), "pdf"),
    FileType("image/png", _("PNG image"), ("png",), "image"),
    FileType("image/jpeg", _("JPEG image"), ("jpg", "jpeg", "jpe"), "image"),
    FileType("image/gif", _("GIF image"), ("gif",), "image"),
    FileType("image/webp", _("WebP image"), ("webp",), "image"),
    FileType("text/plain", _("Text file"), ("txt", "text", "log"), "text"),
    FileType("text/markdown", _("Markdown text"), ("md", "markdown"), "text"),
    FileType("text/csv", _("CSV table"), ("csv",), "sheet"),
    FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             _("Word document"), ("docx", "docm", "dotx"), "doc"),
    FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             _("Excel workbook"), ("xlsx", "xlsm", "xltx"), "sheet"),
    FileType("application/vnd.openxmlformats-officedocument.presentationml.presentation",
             _("PowerPoint presentation"), ("pptx", "pptm", "ppsx"), "slides"),
    FileType("application/vnd.oasis.opendocument.text", _("OpenDocument text"), ("odt",),
             "doc"),
    FileType("application/vnd.oasis.opendocument.spreadsheet", _("OpenDocument spreadsheet"),
             ("ods",), "sheet"),
    FileType("application/vnd.oasis.opendocument.presentation",
             _("OpenDocument presentation"), ("odp",), "slides"),
    FileType("application/vnd.oasis.opendocument.graphics", _("OpenDocument drawing"),
             ("odg",), "image"),
    FileType("application/msword", _("Word 97-2003 document"), ("doc", "dot"), "doc"),
    FileType("application/vnd.ms-excel", _("Excel 97-2003 workbook"), ("xls", "xlt"), "sheet"),
    FileType("application/vnd.ms-powerpoint", _("PowerPoint 97-2003 presentation"),
             ("ppt", "pps"), "slides"),
    FileType("application/x-ole-storage", _("Office 97-2003 file"), (), "file"),
    FileType("application/zip", _("ZIP archive"), ("zip",), "archive"),
    FileType(OCTET_STREAM, _("Unknown binary file"), (), "file"),
]
TYPES = {kind.content_type: kind for kind in _TYPES}
BY_EXTENSION = {extension: kind for kind in _TYPES for extension in kind.extensions}

# Shown in the browser (in the page, or in a sandboxed frame): raster images, PDF and text.
# SVG and HTML are never among them: they are stored as text and sent as text.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif",
                          "image/webp", "text/plain", "text/markdown", "text/csv"})
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/csv"})
_TEXT_BY_EXTENSION = {"md": "text/markdown", "markdown": "text/markdown", "csv": "text/csv"}
_OLE_BY_EXTENSION = {"doc": "application/msword", "dot": "application/msword",
                     "xls": "application/vnd.ms-excel", "xlt": "application/vnd.ms-excel",
                     "ppt": "application/vnd.ms-powerpoint",
                     "pps": "application/vnd.ms-powerpoint"}


def extension_of(name: str) -> str:
    _stem, dot_extension = os.path.splitext(name or "")
    return dot_extension[1:].lower()


def file_type(content_type: str) -> FileType:
    return TYPES.get(content_type) or FileType(content_type, _("File"), (), "file")


def label(content_type: str) -> str:
    return str(file_type(content_type).label)


def icon(content_type: str) -> str:
    return file_type(content_type).icon


def is_allowed(content_type: str) -> bool:
    return content_type in settings.RELAIS_DOCUMENT_TYPES


def allowed_labels() -> str:
    """The allowed kinds in words: "PDF document, PNG image, …"."""
    labels = dict.fromkeys(str(file_type(t).label) for t in settings.RELAIS_DOCUMENT_TYPES)
    return ", ".join(labels)


def allowed_extensions() -> str:
    """The allowed kinds, short, for refusals: "PDF, PNG, JPG, …"."""
    names = dict.fromkeys(file_type(t).extension.upper() or str(file_type(t).label)
                          for t in settings.RELAIS_DOCUMENT_TYPES)
    return ", ".join(names)


@dataclass
class Detected:
    content_type: str
    # The name the document gets: the uploaded name, or with the real extension when the
    # uploaded one names another kind of file.
    name: str
    renamed_from: str = ""


def detect(upload, name: str) -> Detected:
    """The real kind of ``upload`` and the name it should be stored under."""
    content_type = sniff(upload).content_type
    extension = extension_of(name)
    if content_type == "text/plain":
        content_type = _TEXT_BY_EXTENSION.get(extension, content_type)
    elif content_type == OCTET_STREAM:
        upload.seek(0)
        head = upload.read(len(OLE_MAGIC))
        upload.seek(0)
        if head == OLE_MAGIC:
            content_type = _OLE_BY_EXTENSION.get(extension, "application/x-ole-storage")
    claimed = BY_EXTENSION.get(extension)
    real = file_type(content_type)
    if claimed is None or extension in real.extensions:
        return Detected(content_type, name)
    stem = name[: -(len(extension) + 1)] or name
    corrected = f"{stem}.{real.extension}" if real.extension else stem
    return Detected(content_type, corrected, renamed_from=name)

