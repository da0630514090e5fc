"""What an uploaded file really is, judged by its content, never by its name (DESIGN.md,
"Text, files and bad input")."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

# Raster formats a browser may show inline; SVG is never among them (it can carry script).
INLINE_IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif",
                        "WEBP": "image/webp"}
OFFICE_TYPES = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
SNIFF_BYTES = 8192


@dataclass
class Sniffed:
    content_type: str
    is_image: bool = False
    width: int | None = None
    height: int | None = None


def _sniff_image(upload) -> Sniffed | None:
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)
    if image_format not in INLINE_IMAGE_FORMATS:
        return None
    return Sniffed(INLINE_IMAGE_FORMATS[image_format], True, width, height)


def _sniff_zip(upload) -> str:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()[:200]
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared.startswith("application/vnd.oasis.opendocument."):
                    return declared
            for prefix, content_type in OFFICE_TYPES.items():
                if any(name.startswith(prefix) for name in names):
                    return content_type
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        pass
    finally:
        upload.seek(0)
    return "application/zip"


def sniff(upload) -> Sniffed:
    """The content type of ``upload`` from its first bytes."""
    image = _sniff_image(upload)
    if image:
        return image
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return Sniffed("application/pdf")
    if head.startswith(b"PK\x03\x04"):
        return Sniffed(_sniff_zip(upload))
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            # A multi-byte character cut by the sniffing window is still text; a short file
            # was read whole, so nothing of it was cut.
            if len(head) < SNIFF_BYTES or error.reason != "unexpected end of data":
                return Sniffed("application/octet-stream")
        # HTML and SVG are stored as plain text: they are never rendered.
        return Sniffed("text/plain")
    return Sniffed("application/octet-stream")

