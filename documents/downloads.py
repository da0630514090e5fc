"""Sending a document's file, once a view has checked access (DESIGN.md, "Text, files and bad
input"): never from a public URL, always with Content-Disposition and nosniff, and inline only
for raster images, PDF and text, in a sandbox."""

from __future__ import annotations

import os
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

from documents import filetypes
from documents.models import Document, DocumentVersion

# An inline file runs no script, loads nothing, and may only be framed by Relais's own pages
# (the document page shows images and PDF from here).
INLINE_POLICY = ("default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
                 "sandbox; frame-ancestors 'self'")
ATTACHMENT_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"


def download_name(document: Document, version: DocumentVersion) -> str:
    """The document's name, with the extension of this version's kind of file (an earlier
    version may have been another kind)."""
    if version.id == document.current_version_id:
        return document.name
    extension = version.file_type.extension
    stem, current = os.path.splitext(document.name)
    if not extension or current[1:].lower() in version.file_type.extensions:
        return document.name
    if current[1:].lower() not in filetypes.BY_EXTENSION:
        stem = document.name
    return f"{stem}.{extension}"


def can_show_inline(version: DocumentVersion) -> bool:
    return version.content_type in filetypes.INLINE_TYPES


def file_response(document: Document, version: DocumentVersion, *, inline: bool = False,
                  immutable: bool = False) -> HttpResponse:
    """The file of ``version``: inline when asked for and its kind allows it, as a download
    otherwise. ``immutable``: the URL names this version, so browsers may keep it a while."""
    inline = inline and can_show_inline(version)
    content_type = version.content_type
    if content_type in filetypes.TEXT_TYPES:
        # Markdown and CSV shown in the browser are shown as the text they are.
        content_type = f"{'text/plain' if inline else content_type}; charset=utf-8"
    prefix = settings.RELAIS_X_ACCEL_REDIRECT_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{quote(version.file.name)}"
    else:
        response = FileResponse(version.file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        not inline, download_name(document, version))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = INLINE_POLICY if inline else ATTACHMENT_POLICY
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    if inline:
        response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "private, max-age=3600" if immutable else "private, no-cache"
    return response
