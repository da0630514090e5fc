"""The text of an uploaded document, for search and excerpts, read without risk to the server.

Each file is read in a child process (``documents.extraction_worker``) that limits its own
memory (RLIMIT_AS) and CPU time (RLIMIT_CPU), and that this process kills once the wall-clock
limit has passed: a hostile or broken file can end or stall only that child, never the task
worker. Zip-based formats are checked against decompression bombs before any parser opens
them. Every way of failing becomes an ExtractionFailed whose ``reason`` tells users why, in
their language, naming the limit that was reached.

The limits are ``RELAIS_LIMITS`` settings: ``extract_seconds``, ``extract_memory_mb``,
``extract_chars``, ``extract_zip_bytes``, ``extract_zip_ratio`` and ``extract_zip_entries``.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

WORKER = "documents.extraction_worker"
STDERR_TAIL_BYTES = 4096

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
# Content type (as network.uploads.sniff and documents.filetypes.detect give it) -> the
# worker's parser, as "module:function".
PARSERS = {
    "application/pdf": f"{WORKER}:read_pdf",
    DOCX: f"{WORKER}:read_docx",
    XLSX: f"{WORKER}:read_xlsx",
    PPTX: f"{WORKER}:read_pptx",
    "application/vnd.oasis.opendocument.text": f"{WORKER}:read_odf",
    "application/vnd.oasis.opendocument.spreadsheet": f"{WORKER}:read_odf",
    "application/vnd.oasis.opendocument.presentation": f"{WORKER}:read_odf",
    "text/plain": f"{WORKER}:read_text",
    "text/markdown": f"{WORKER}:read_text",
    "text/csv": f"{WORKER}:read_csv",
}

# Why a file's text could not be read, by code. Parameters come from the limits in force.
REASONS = {
    "unsupported": _("Text is not read from this type of file."),
    "damaged": _("The file is damaged or is not really of its type, so its text cannot be "
                 "read."),
    "pdf_damaged": _("The PDF is damaged, so its text cannot be read."),
    "pdf_truncated": _("The PDF is damaged: it ends before its last page."),
    "encrypted": _("The file is protected by a password, so its text cannot be read."),
    "zip_too_large": _("The file was not opened: it would unpack to more than %(zip_mb)s MB, "
                       "the limit for reading text."),
    "zip_ratio": _("The file was not opened: a part of it would unpack to more than "
                   "%(zip_ratio)s times its packed size, as decompression bombs do."),
    "zip_entries": _("The file was not opened: it holds more than %(zip_entries)s parts."),
    "xml_dtd": _("The file was not opened: it contains XML declarations (a DTD) that this "
                 "type of document never needs and that attacks use."),
    "timeout": _("Reading the text took too long and was stopped at the time limit "
                 "(%(seconds)s s)."),
    "memory": _("Reading the text needed too much memory and was stopped at the memory limit "
                "(%(memory_mb)s MB)."),
    "crashed": _("The text reader stopped unexpectedly on this file."),
}


def _interpolate(template, params: dict) -> str:
    return str(template) % params


_interpolate_lazy = lazy(_interpolate, str)


def current_limits() -> dict:
    limits = settings.RELAIS_LIMITS
    return {
        "seconds": limits["extract_seconds"],
        "memory_mb": limits["extract_memory_mb"],
        "chars": limits["extract_chars"],
        "zip_bytes": limits["extract_zip_bytes"],
        "zip_ratio": limits["extract_zip_ratio"],
        "zip_entries": limits["extract_zip_entries"],
    }


def reason_for(code: str, limits: dict | None = None):
    """The user-facing sentence for ``code``, translated when it is shown (a lazy string).

    A stored code can be turned back into its sentence in each reader's language."""
    limits = limits or current_limits()
    params = {**limits, "zip_mb": limits["zip_bytes"] // (1024 * 1024)}
    return _interpolate_lazy(REASONS.get(code, REASONS["damaged"]), params)


class ExtractionFailed(Exception):
    """The file's text could not be read. ``code`` is stable (a key of REASONS); ``reason``
    is the translatable sentence shown to users."""

    def __init__(self, code: str, limits: dict | None = None):
        super().__init__(code)
        self.code = code if code in REASONS else "damaged"
        self.reason = reason_for(self.code, limits)

    def __str__(self) -> str:
        return str(self.reason)


class UnsupportedType(ExtractionFailed):
    def __init__(self, content_type: str):
        super().__init__("unsupported")
        self.content_type = content_type


def is_supported(content_type: str) -> bool:
    return _base_type(content_type) in PARSERS


def _base_type(content_type: str) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def extract(path: str, content_type: str) -> str:
    """The text of the file at ``path``, read as ``content_type`` (the type sniffed from its
    content, never its name): one paragraph a line, spaces collapsed, at most
    ``extract_chars`` characters. Raises ExtractionFailed (UnsupportedType for a type whose
    text is not read); a missing file raises FileNotFoundError."""
    parser = PARSERS.get(_base_type(content_type))
    if parser is None:
        raise UnsupportedType(content_type)
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(path)
    limits = current_limits()
    answer = _run_worker({"path": path, "parser": parser, "limits": limits}, limits)
    if isinstance(answer.get("text"), str):
        return answer["text"][: limits["chars"]]
    code = answer.get("code")
    logger.info("Text of %s not read (%s): %s", path, content_type, code)
    raise ExtractionFailed(code if isinstance(code, str) else "crashed", limits)


def _worker_environment() -> dict:
    environment = dict(os.environ)
    base = str(settings.BASE_DIR)
    existing = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = base + (os.pathsep + existing if existing else "")
    return environment


def _run_worker(request: dict, limits: dict) -> dict:
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 -- our own interpreter and module, no shell
            [sys.executable, "-B", "-m", WORKER],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
            cwd=settings.BASE_DIR, env=_worker_environment())
        try:
            output, _unused = process.communicate(json.dumps(request).encode(),
                                                  timeout=limits["seconds"])
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return {"code": "timeout"}
        except BaseException:
            process.kill()
            process.wait()
            raise
        errors.seek(max(0, errors.seek(0, os.SEEK_END) - STDERR_TAIL_BYTES))
        error_tail = errors.read().decode("utf-8", "replace")
    if process.returncode < 0:
        # The CPU limit ends the child with SIGXCPU, then SIGKILL at the hard limit.
        if -process.returncode in (signal.SIGXCPU, signal.SIGKILL):
            return {"code": "timeout"}
        logger.warning("Text extraction of %s ended by signal %s: %s", request["path"],
                       -process.returncode, error_tail)
        return {"code": "crashed"}
    try:
        answer = json.loads(output)
    except ValueError:
        answer = None
    if isinstance(answer, dict) and ("text" in answer or "code" in answer):
        if answer.get("code") == "damaged" and error_tail:
            logger.info("Text extraction of %s: %s", request["path"], error_tail)
        return answer
    if "MemoryError" in error_tail:
        return {"code": "memory"}
    logger.warning("Text extraction of %s gave no answer (exit %s): %s", request["path"],
                   process.returncode, error_tail)
    return {"code": "crashed"}
