"""The child process that reads the text of one document (``documents.extraction`` starts it).

It runs without Django, so that a hostile file meets as little code as possible: it reads one
JSON request on stdin (the file's path, the parser to use as ``module:function`` and the
limits), lowers its own memory, CPU time and file size limits before it imports any parser,
and writes one JSON answer, ``{"text": ...}`` or ``{"code": ...}``, on the descriptor that
was its stdout. Whatever the parsers print goes to stderr, which the parent keeps a tail of.

Zip-based formats (DOCX, XLSX, PPTX, ODF) are checked before any parser opens them: the
central directory must promise a reasonable total size, part count and compression ratio, and
every part that will be parsed as XML is first read through a bounded reader that refuses
DTDs, which entity expansion and external entity attacks need and which these parts never
carry (Office Open XML forbids them outright).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import importlib
import io
import json
import logging
import os
import re
import resource
import sys
import traceback
import warnings
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time

MEMORY_ANSWER = b'{"code": "memory"}'
# Parts smaller than this are too small to matter whatever their ratio: a short XML part
# full of repeated tags compresses a hundredfold and is harmless.
RATIO_GRACE_BYTES = 1024 * 1024
CHUNK_BYTES = 64 * 1024
MAX_REQUEST_BYTES = 64 * 1024
DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
XML_SUFFIXES = (".xml", ".rels", ".vml")
CONTENT_TYPES = "[Content_Types].xml"
XML_TYPES = {"application/xml", "text/xml"}
CELL_SEPARATOR = " | "

LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff\ufeff]")
SPACES = re.compile(r"[^\S\n]+")
BLANK_LINES = re.compile(r"\n{3,}")


class Refused(Exception):
    """The file is not read; ``code`` names why (documents.extraction.REASONS)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class Full(BaseException):
    """Enough text: the parser stops. A BaseException, so no ``except Exception`` swallows it."""


def normalise(text: str) -> str:
    """One paragraph per line, single spaces, at most one empty line in a row, no control
    characters (PostgreSQL refuses NUL in text) and no lone surrogates."""
    text = LINE_BREAKS.sub("\n", text)
    text = INVISIBLE.sub("", text)
    text = SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return BLANK_LINES.sub("\n\n", text).strip()


class Collector:
    """The text read so far, one paragraph a line; raises Full at ``limit`` characters."""

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self._gap = False

    def gap(self) -> None:
        """The next paragraph starts a new page, slide or sheet: an empty line before it."""
        self._gap = True

    def add(self, text: str) -> None:
        text = normalise(text or "")
        if not text:
            return
        if self.parts:
            text = ("\n\n" if self._gap else "\n") + text
        self._gap = False
        room = self.limit - self.size
        if len(text) >= room:
            self.parts.append(text[:room])
            self.size = self.limit
            raise Full
        self.parts.append(text)
        self.size += len(text)

    def text(self) -> str:
        return "".join(self.parts).strip()


# --- Zip-based formats -----------------------------------------------------------------------

def open_checked_zip(path: str, limits: dict, *, parsed: tuple[str, ...] = ()) -> zipfile.ZipFile:
    """The archive at ``path``, once its directory and XML parts have passed the limits.

    The XML parts scanned are ``parsed``, or if none are named, every part Office Open XML
    libraries may parse (OPC forbids DTDs in all of them, rule M1.18)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise Refused("damaged") from error
    try:
        check_directory(archive.infolist(), limits)
        budget = limits["zip_bytes"]
        if parsed:
            names = set(archive.namelist())
            members = [archive.getinfo(name) for name in parsed if name in names]
        else:
            members = ooxml_xml_members(archive, limits)
        for info in members:
            budget -= scan_xml_member(archive, info, budget)
    except Exception:
        archive.close()
        raise
    return archive


def check_directory(infos: list[zipfile.ZipInfo], limits: dict) -> None:
    if len(infos) > limits["zip_entries"]:
        raise Refused("zip_entries")
    if sum(info.file_size for info in infos) > limits["zip_bytes"]:
        raise Refused("zip_too_large")
    for info in infos:
        if (info.file_size > RATIO_GRACE_BYTES
                and info.file_size > limits["zip_ratio"] * max(info.compress_size, 1)):
            raise Refused("zip_ratio")


def ooxml_xml_members(archive: zipfile.ZipFile, limits: dict) -> list[zipfile.ZipInfo]:
    """The parts a parser may read as XML: those named so, and in Office Open XML those that
    [Content_Types].xml declares XML whatever their name (the libraries go by that)."""
    import xml.etree.ElementTree as ET

    defaults, overrides = {}, {}
    try:
        types_info = archive.getinfo(CONTENT_TYPES)
    except KeyError:
        pass
    else:
        scan_xml_member(archive, types_info, limits["zip_bytes"])
        data = b"".join(read_member(archive, types_info, limits["zip_bytes"]))
        try:
            # Safe: scan_xml_member has just refused any DTD.
            root = ET.fromstring(data)  # noqa: S314
        except ET.ParseError as error:
            raise Refused("damaged") from error
        for entry in root:
            kind = entry.get("ContentType", "").lower()
            if entry.tag.endswith("}Default"):
                defaults[entry.get("Extension", "").lower()] = kind
            elif entry.tag.endswith("}Override"):
                overrides[entry.get("PartName", "").lstrip("/").lower()] = kind
    chosen = []
    for info in archive.infolist():
        name = info.filename.lower()
        kind = overrides.get(name) or defaults.get(name.rpartition(".")[2], "")
        # Images, SVG included, are only ever stored, never parsed.
        declared_xml = kind.endswith("+xml") or kind in XML_TYPES
        if name.endswith(XML_SUFFIXES) or (declared_xml and not kind.startswith("image/")):
            chosen.append(info)
    return chosen


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> Iterator[bytes]:
    """The member's bytes in chunks, never more than it declared nor than ``budget``.

    zipfile already stops at the declared size; counting here keeps that promise whatever
    reads the member, and a member that inflates past its declaration is damaged."""
    produced = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK_BYTES):
                produced += len(chunk)
                if produced > budget:
                    raise Refused("zip_too_large")
                if produced > info.file_size:
                    raise Refused("damaged")
                yield chunk
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError) as error:
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression.
        raise Refused("damaged") from error


def scan_xml_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> int:
    """Reads the XML part through once; refuses a DTD. Returns the bytes read."""
    produced = 0
    tail = b""
    overlap = max(len(marker) for marker in DTD_MARKERS) - 1
    for chunk in read_member(archive, info, budget):
        produced += len(chunk)
        window = tail + chunk
        if any(marker in window for marker in DTD_MARKERS):
            raise Refused("xml_dtd")
        tail = window[-overlap:]
    return produced


class BoundedReader(io.RawIOBase):
    """A file object over read_member, for parsers that stream (xml.etree.iterparse)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        if not self._buffer:
            self._buffer = next(self._chunks, b"")
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


# --- PDF -------------------------------------------------------------------------------------

def read_pdf(path: str, out: Collector, limits: dict) -> None:
    with open(path, "rb") as handle:
        head = handle.read(1024)
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - 1024))
        end = handle.read()
    if b"%PDF-" not in head:
        raise Refused("damaged")
    # Readers accept "%%EOF" anywhere in the last 1024 bytes; without it the file was cut.
    if b"%%EOF" not in end:
        raise Refused("pdf_truncated")

    from pypdf import PdfReader

    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            # Many PDFs are "encrypted" with an empty password only to forbid printing.
            try:
                opened = reader.decrypt("")
            except MemoryError:
                raise
            except Exception as error:  # an algorithm that needs the optional cryptography
                raise Refused("encrypted") from error
            if not opened:
                raise Refused("encrypted")
        pages = reader.pages
        count = len(pages)
    except (Refused, MemoryError):
        raise
    except Exception as error:
        raise Refused("pdf_damaged") from error
    read = failed = 0
    for index in range(count):
        try:
            text = pages[index].extract_text()
        except MemoryError:
            raise
        except Exception:
            failed += 1  # one bad page does not hide the others
            continue
        read += 1
        out.gap()
        out.add(text)
    if failed and not read:
        raise Refused("pdf_damaged")


# --- Office Open XML -------------------------------------------------------------------------

def read_docx(path: str, out: Collector, limits: dict) -> None:
    open_checked_zip(path, limits).close()

    import docx
    from docx.table import Table

    def table_lines(table: Table) -> Iterator[str]:
        for row in table.rows:
            seen = []  # a merged cell is returned once for each grid column it spans
            cells = []
            for cell in row.cells:
                if any(cell._tc is other for other in seen):
                    continue
                seen.append(cell._tc)
                cells.append(" ".join(cell_texts(cell)))
            yield CELL_SEPARATOR.join(text for text in cells if text.strip())

    def cell_texts(cell) -> Iterator[str]:
        for block in cell.iter_inner_content():
            if isinstance(block, Table):
                yield from table_lines(block)
            else:
                yield block.text

    document = docx.Document(path)
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for line in table_lines(block):
                out.add(line)
        else:
            out.add(block.text)
    # Headers and footers often carry the document's reference ("PROC-HYG-012, version 3").
    margins = []
    for section in document.sections:
        for part in (section.header, section.footer):
            if part.is_linked_to_previous:
                continue
            for paragraph in part.paragraphs:
                if paragraph.text.strip() and paragraph.text not in margins:
                    margins.append(paragraph.text)
    out.gap()
    for text in margins:
        out.add(text)


def cell_text(value) -> str:
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def read_xlsx(path: str, out: Collector, limits: dict) -> None:
    open_checked_zip(path, limits).close()

    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        for sheet in workbook.worksheets:
            # A forged <dimension> must not make every row as wide as the whole sheet.
            sheet.reset_dimensions()
            out.gap()
            out.add(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                cells = (cell_text(value).strip() for value in row if value is not None)
                out.add(CELL_SEPARATOR.join(text for text in cells if text))
    finally:
        workbook.close()


def read_pptx(path: str, out: Collector, limits: dict) -> None:
    open_checked_zip(path, limits).close()

    from pptx import Presentation
    from pptx.shapes.group import GroupShape

    def shape_text(shape) -> None:
        if isinstance(shape, GroupShape):
            for inner in shape.shapes:
                shape_text(inner)
            return
        if shape.has_text_frame:
            for paragraph in shape.text_frame.paragraphs:
                out.add(paragraph.text)
        if getattr(shape, "has_table", False) and shape.has_table:
            for row in shape.table.rows:
                cells = (cell.text.strip() for cell in row.cells)
                out.add(CELL_SEPARATOR.join(text for text in cells if text))

    for slide in Presentation(path).slides:
        out.gap()
        for shape in slide.shapes:
            shape_text(shape)
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            out.add(slide.notes_slide.notes_text_frame.text)


# --- OpenDocument ----------------------------------------------------------------------------

TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
ODF_PARAGRAPHS = {f"{{{TEXT_NS}}}p", f"{{{TEXT_NS}}}h"}
ODF_SPACE, ODF_TAB, ODF_BREAK = (f"{{{TEXT_NS}}}{name}" for name in ("s", "tab", "line-break"))
# Read where they are anchored as their own paragraphs, not inside the sentence they annotate.
ODF_ASIDES = {f"{{{TEXT_NS}}}note", f"{{{OFFICE_NS}}}annotation"}
ODF_ROW, ODF_CELL = f"{{{TABLE_NS}}}table-row", f"{{{TABLE_NS}}}table-cell"


def odf_text(element) -> str:
    parts = [element.text or ""]
    for child in element:
        if child.tag in (ODF_SPACE, ODF_TAB):
            parts.append(" ")
        elif child.tag == ODF_BREAK:
            parts.append("\n")
        elif child.tag not in ODF_ASIDES:
            parts.append(odf_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def read_odf(path: str, out: Collector, limits: dict) -> None:
    import xml.etree.ElementTree as ET

    # OpenOffice 2 and 3 wrote a DTD in META-INF/manifest.xml, which is only searched here:
    # the one part parsed is content.xml.
    archive = open_checked_zip(path, limits, parsed=("content.xml",))
    with archive:
        names = set(archive.namelist())
        if "content.xml" not in names:
            raise Refused("damaged")
        if "META-INF/manifest.xml" in names:
            manifest = b"".join(read_member(archive, archive.getinfo("META-INF/manifest.xml"),
                                            limits["zip_bytes"]))
            if b"encryption-data" in manifest:
                raise Refused("encrypted")
        source = BoundedReader(read_member(archive, archive.getinfo("content.xml"),
                                           limits["zip_bytes"]))
        cells = 0  # depth inside table cells: their paragraphs are read with their row
        try:
            # Safe here: open_checked_zip refused any DTD, so there is no entity to expand,
            # and ElementTree never fetches external ones.
            events = ET.iterparse(io.BufferedReader(source), ("start", "end"))  # noqa: S314
            for event, element in events:
                if element.tag == ODF_CELL:
                    cells += 1 if event == "start" else -1
                elif event == "start":
                    continue
                elif element.tag == ODF_ROW and not cells:
                    texts = (" ".join(odf_text(paragraph) for paragraph in cell.iter()
                                      if paragraph.tag in ODF_PARAGRAPHS)
                             for cell in element if cell.tag == ODF_CELL)
                    out.add(CELL_SEPARATOR.join(text for text in texts if text.strip()))
                    element.clear()
                elif element.tag in ODF_PARAGRAPHS and not cells:
                    out.add(odf_text(element))
                    element.clear()
        except ET.ParseError as error:
            raise Refused("damaged") from error


# --- Text, Markdown, CSV ---------------------------------------------------------------------

def read_head(path: str, limits: dict) -> str:
    """The start of a text file, decoded: UTF-8 (with or without a BOM), UTF-16 with a BOM,
    else Windows-1252, else Latin-1, which decodes anything."""
    with open(path, "rb") as handle:
        data = handle.read(limits["chars"] * 4 + 4)  # 4 bytes are enough for any character
        cut = bool(handle.read(1))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        # Not final when the file was cut: a character split by the cut is dropped.
        return codecs.getincrementaldecoder("utf-8")().decode(data, final=not cut)
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_text(path: str, out: Collector, limits: dict) -> None:
    out.add(read_head(path, limits))


def read_csv(path: str, out: Collector, limits: dict) -> None:
    text = read_head(path, limits)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        lines = [CELL_SEPARATOR.join(cell.strip() for cell in row if cell.strip())
                 for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error:
        lines = [text]  # not quite CSV (a field too long, a stray quote): read it as text
    for line in lines:
        out.add(line)


# --- The process -----------------------------------------------------------------------------

def lower_limit(which: int, value: int) -> None:
    _soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value if hard == resource.RLIM_INFINITY else hard))


def apply_limits(limits: dict) -> None:
    lower_limit(resource.RLIMIT_AS, limits["memory_mb"] * 1024 * 1024)
    # Past the soft limit the kernel sends SIGXCPU, which ends the process; the hard limit,
    # one second later, is SIGKILL.
    seconds = max(1, int(limits["seconds"]))
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard == resource.RLIM_INFINITY or hard > seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    lower_limit(resource.RLIMIT_CORE, 0)
    # Parsers never write files; stderr, a temporary file of the parent, stays small.
    lower_limit(resource.RLIMIT_FSIZE, 1024 * 1024)


def load_parser(spec: str):
    module_name, _colon, function_name = spec.partition(":")
    return getattr(importlib.import_module(module_name), function_name)


def run(request: dict) -> dict:
    limits = request["limits"]
    out = Collector(limits["chars"])
    with contextlib.suppress(Full):
        load_parser(request["parser"])(request["path"], out, limits)
    return {"text": out.text()}


def main() -> int:
    # The answer goes to the real stdout; anything a library prints goes to stderr.
    answer_fd = os.dup(1)
    os.dup2(2, 1)
    request = json.loads(sys.stdin.buffer.read(MAX_REQUEST_BYTES))
    apply_limits(request["limits"])
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    try:
        try:
            answer = run(request)
        except Refused as refusal:
            answer = {"code": refusal.code}
        except MemoryError:
            raise
        except Exception:
            traceback.print_exc(limit=-8)
            answer = {"code": "damaged"}
        payload = json.dumps(answer, ensure_ascii=False).encode("utf-8", "replace")
    except MemoryError:
        payload = MEMORY_ANSWER  # built in advance: no memory is needed to send it
    with os.fdopen(answer_fd, "wb") as answer_file:
        answer_file.write(payload)
    return 0


if __name__ == "__main__":
    # Run as the imported module, not as __main__: parsers raise its Refused and Full.
    from documents import extraction_worker

    sys.exit(extraction_worker.main())
