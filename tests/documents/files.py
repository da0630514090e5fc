"""Real documents made on the spot, and hostile ones, for the extraction tests.

No binary fixture is committed: each file is written by the library that writes its format
(python-docx, openpyxl, python-pptx), or by hand where the format is simple enough (PDF,
OpenDocument, zip bombs). Library imports stay inside the functions: the misbehaving parsers
at the end are imported by the extraction worker, which should not pay for them.
"""

from __future__ import annotations

import os
import signal
import struct
import time
import zipfile
import zlib
from pathlib import Path

DOCX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')


# --- PDF, by hand ------------------------------------------------------------------------------

def _pdf_string(text: str) -> bytes:
    # The standard fonts' WinAnsiEncoding is Windows-1252: accents are one byte each.
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def write_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A small valid PDF: one page per list of lines, in Helvetica."""
    count = len(pages)
    page_ids = [4 + 2 * index for index in range(count)]
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % i for i in page_ids)
           + b"] /Count %d >>" % count,
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
           b"/Encoding /WinAnsiEncoding >>",
    }
    for page_id, lines in zip(page_ids, pages, strict=True):
        stream = b"BT /F1 12 Tf 72 760 Td 16 TL " + b" ".join(
            _pdf_string(line) + b" Tj T*" for line in lines) + b" ET"
        objects[page_id] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
                            % (page_id + 1))
        objects[page_id + 1] = (b"<< /Length %d >>\nstream\n" % len(stream) + stream
                                + b"\nendstream")
    body = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(body)
        body += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(body)
    size = max(objects) + 1
    body += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        body += b"%010d 00000 n \n" % offsets[number]
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    path.write_bytes(bytes(body))
    return path


def encrypt_pdf(source: Path, target: Path, password: str) -> Path:
    """``source`` encrypted with RC4 (which pypdf handles without optional packages)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=password, owner_password="owner-secret",
                   algorithm="RC4-128")
    with target.open("wb") as handle:
        writer.write(handle)
    return target


# --- Office Open XML, with their libraries ------------------------------------------------------

def write_docx(path: Path, *, heading: str, paragraphs: list[str], table: list[list[str]],
               header: str = "") -> Path:
    import docx

    document = docx.Document()
    document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    grid = document.add_table(rows=len(table), cols=len(table[0]))
    for row, values in zip(grid.rows, table, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    if header:
        document.sections[0].header.paragraphs[0].text = header
    document.save(path)
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def write_pptx(path: Path, slides: list[dict]) -> Path:
    """Each slide: {"title": ..., "body": [lines], "notes": ..., "table": [[...]]}."""
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    for content in slides:
        slide = presentation.slides.add_slide(presentation.slide_layouts[1])
        slide.shapes.title.text = content["title"]
        body = slide.placeholders[1].text_frame
        body.text = content["body"][0]
        for line in content["body"][1:]:
            body.add_paragraph().text = line
        if content.get("table"):
            rows = content["table"]
            shape = slide.shapes.add_table(len(rows), len(rows[0]), Inches(1), Inches(5),
                                           Inches(6), Inches(1))
            for row_index, values in enumerate(rows):
                for column, value in enumerate(values):
                    shape.table.cell(row_index, column).text = value
        if content.get("notes"):
            slide.notes_slide.notes_text_frame.text = content["notes"]
    presentation.save(path)
    return path


# --- OpenDocument, by hand ----------------------------------------------------------------------

ODF_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"')
ODF_TYPES = {
    "odt": ("application/vnd.oasis.opendocument.text", "text"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "spreadsheet"),
    "odp": ("application/vnd.oasis.opendocument.presentation", "presentation"),
}


def odf_content(kind: str, body: str, prolog: str = "") -> str:
    element = ODF_TYPES[kind][1]
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
            f'<office:document-content {ODF_NAMESPACES} office:version="1.3">'
            f"<office:body><office:{element}>{body}</office:{element}></office:body>"
            "</office:document-content>")


def write_odf(path: Path, kind: str, content: str, manifest_prolog: str = "") -> Path:
    """An OpenDocument package: ``mimetype`` first and stored, then content and manifest."""
    mimetype = ODF_TYPES[kind][0]
    manifest = (
        f'<?xml version="1.0" encoding="UTF-8"?>{manifest_prolog}'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.3">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def write_odt(path: Path, *, heading: str, paragraphs: list[str],
              table: list[list[str]]) -> Path:
    body = f'<text:h text:outline-level="1">{heading}</text:h>'
    for text in paragraphs:
        body += f"<text:p>{text}</text:p>"
    body += '<table:table table:name="T">'
    for row in table:
        body += "<table:table-row>" + "".join(
            f"<table:table-cell><text:p>{value}</text:p></table:table-cell>" for value in row
        ) + "</table:table-row>"
    body += "</table:table>"
    return write_odf(path, "odt", odf_content("odt", body))


# --- Zip bombs, by hand -------------------------------------------------------------------------

def _zeros_deflated(size: int) -> tuple[bytes, int]:
    """A raw deflate stream of ``size`` zero bytes (a multiple of 1 MiB) and its CRC-32.

    After a full flush the compressor starts afresh, so each MiB compresses to the same
    bytes: one is computed and repeated, and a gigabyte costs a megabyte and a CRC."""
    mib = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size >> 20):
        crc = zlib.crc32(mib, crc)
    return block * (size >> 20) + compressor.flush(zlib.Z_FINISH), crc


def _deflated(data: bytes) -> tuple[bytes, int]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data)


def write_raw_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip of already deflated members: (name, deflated bytes, CRC-32, size it declares)."""
    local = bytearray()
    directory = bytearray()
    for name, data, crc, size in members:
        encoded = name.encode()
        offset = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data),
                             size, len(encoded), 0) + encoded + data
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc,
                                 len(data), size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                      len(directory), len(local), 0)
    path.write_bytes(bytes(local + directory + end))
    return path


def write_docx_bomb(path: Path, size: int, *, declared: int | None = None) -> Path:
    """Looks like a DOCX (network.uploads.sniff says so): its document is ``size`` zero bytes
    packed about a thousandfold. ``declared`` makes the directory lie about that size."""
    types, types_crc = _deflated(DOCX_CONTENT_TYPES.encode())
    zeros, zeros_crc = _zeros_deflated(size)
    return write_raw_zip(path, [
        ("[Content_Types].xml", types, types_crc, len(DOCX_CONTENT_TYPES)),
        ("word/document.xml", zeros, zeros_crc, size if declared is None else declared),
    ])


def replace_member(source: Path, target: Path, name: str, data: bytes) -> Path:
    """A copy of the zip ``source`` whose member ``name`` holds ``data``."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            copy.writestr(info, data if info.filename == name else original.read(info))
    return target


def rename_docx_document(source: Path, target: Path, *, prefix: bytes = b"") -> Path:
    """A copy of the DOCX ``source`` whose main part is word/document.png, still declared as
    the document in [Content_Types].xml, with ``prefix`` put before its XML."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            name = info.filename
            if name == "word/document.xml":
                name, data = "word/document.png", prefix + data.split(b"?>", 1)[1]
            elif name == "word/_rels/document.xml.rels":
                name = "word/_rels/document.png.rels"
            elif name in ("[Content_Types].xml", "_rels/.rels"):
                data = data.replace(b"word/document.xml", b"word/document.png")
            copy.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return target


# --- Parsers that misbehave, run by the extraction worker in place of a real one ---------------

def parser_reports_limits(path, out, limits):
    import json
    import resource

    out.add(json.dumps({name: resource.getrlimit(getattr(resource, f"RLIMIT_{name.upper()}"))
                        for name in ("as", "cpu", "core")}))


def parser_sleeps(path, out, limits):
    time.sleep(3600)


def parser_spins(path, out, limits):
    while True:
        pass


def parser_hoards_memory(path, out, limits):
    hoard = []
    while True:
        hoard.append(bytearray(16 * 1024 * 1024))


def parser_crashes(path, out, limits):
    os.kill(os.getpid(), signal.SIGSEGV)


def parser_fails(path, out, limits):
    raise ValueError("a library bug")


def parser_exits(path, out, limits):
    os._exit(1)  # gone without an answer


def parser_writes_forever(path, out, limits):
    while True:
        out.add("Procédure d'hygiène des mains. " * 100)
