"""Files made in the tests (no fixtures from disk) and people around a library."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from documents import services


def pdf_bytes(text: str = "Protocole sepsis", padding: int = 0) -> bytes:
    """A one-page PDF that shows ``text`` (ASCII), made ``padding`` bytes larger by a
    comment."""
    stream = f"BT /F1 18 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n" + (b"%" + b" " * padding + b"\n" if padding else b""), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return out


def png_bytes(size=(40, 30), colour=(13, 110, 102)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def docx_bytes(text: str = "Procédure hygiène des mains") -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    saved = io.BytesIO()
    document.save(saved)
    # python-docx stamps each zip entry with the current time: two calls a second apart
    # would differ, so the entries are copied with one fixed time to compare downloads.
    buffer = io.BytesIO()
    with zipfile.ZipFile(saved) as original, zipfile.ZipFile(buffer, "w") as copy:
        for entry in original.infolist():
            entry.date_time = (2026, 1, 1, 0, 0, 0)
            copy.writestr(entry, original.read(entry.filename))
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64


def upload(name: str, content: bytes | str, content_type: str = "application/octet-stream"):
    """A file as a browser would send it; the content type it claims is never believed."""
    if isinstance(content, str):
        content = content.encode()
    return SimpleUploadedFile(name, content, content_type=content_type)


def add(uploader, group, name="Protocole sepsis.pdf", content=None, folder=None):
    """One document, uploaded through the service."""
    content = pdf_bytes() if content is None else content
    return services.upload_documents(uploader=uploader, group=group, folder=folder,
                                     files=[upload(name, content)]).documents[0]
