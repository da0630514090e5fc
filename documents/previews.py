"""What the document page shows of a file: the browser's own viewer for images and PDF (from the
sandboxed inline URL), the text itself for plain text and Markdown (Markdown rendered and
sanitised), and for everything else an excerpt of the text read from it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from documents.models import DocumentVersion
from network import rich_text

# Enough for any protocol written as text; a longer file is shown in part.
TEXT_PREVIEW_BYTES = 200_000
EXCERPT_CHARS = 1_500


@dataclass
class Preview:
    kind: str  # "image", "pdf", "text", "markdown" or "other"
    text: str = ""
    html: SafeString | None = None
    truncated: bool = False


def _read_text(version: DocumentVersion) -> tuple[str, bool]:
    with version.file.open("rb") as handle:
        data = handle.read(TEXT_PREVIEW_BYTES + 1)
    truncated = len(data) > TEXT_PREVIEW_BYTES
    return data[:TEXT_PREVIEW_BYTES].decode("utf-8", errors="replace"), truncated


def excerpt(text: str, length: int = EXCERPT_CHARS) -> tuple[str, bool]:
    text = "\n".join(line.strip() for line in text.strip().splitlines())
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    if len(text) <= length:
        return text, False
    return text[:length].rstrip() + "…", True


def preview(version: DocumentVersion | None) -> Preview:
    if version is None:
        return Preview("other")
    if version.is_image:
        return Preview("image")
    if version.is_pdf:
        return Preview("pdf")
    if version.content_type in ("text/plain", "text/csv"):
        try:
            text, truncated = _read_text(version)
        except OSError:
            return Preview("other")
        return Preview("text", text=text, truncated=truncated)
    if version.content_type == "text/markdown":
        try:
            text, truncated = _read_text(version)
        except OSError:
            return Preview("other")
        html = rich_text.render(text).html
        # rich_text.render sanitises with nh3 (tags and attributes allowed for posts).
        return Preview("markdown", html=mark_safe(html), truncated=truncated)  # noqa: S308
    text, truncated = excerpt(version.text or "")
    return Preview("other", text=text, truncated=truncated)
