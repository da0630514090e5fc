"""Checks on what people write before anything is saved: text length, deadlines, polls and
attached files. Shared by posts, comments and reminders (``_limit``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from documents import services as documents

POLL_MIN_OPTIONS, POLL_MAX_OPTIONS = 2, 10


@dataclass
class PollSpec:
    question: str
    options: list[str]
    multiple: bool = False
    anonymous: bool = False
    closes_at: datetime | None = None


def _limit(name: str) -> int:
    return settings.RELAIS_LIMITS[name]


def _clean_body(body: str, *, limit_name: str, required: bool, field: str = "body") -> str:
    body = (body or "").strip()
    if required and not body:
        raise ValidationError({field: _("Write something first.")})
    limit = _limit(limit_name)
    if len(body) > limit:
        raise ValidationError({field: _("This is too long: %(limit)s characters at most "
                                        "(%(length)s written).") % {"limit": limit,
                                                                    "length": len(body)}})
    return body


def _clean_deadline(deadline: datetime | None) -> datetime | None:
    if deadline is not None and deadline <= timezone.now():
        raise ValidationError({"ack_deadline": _("The deadline must be in the future.")})
    return deadline


def _clean_poll(spec: PollSpec | None) -> PollSpec:
    if spec is None:
        raise ValidationError({"poll": _("A poll needs a question and options.")})
    errors = {}
    question = (spec.question or "").strip()
    if not question:
        errors["poll_question"] = _("Ask a question.")
    elif len(question) > 300:
        errors["poll_question"] = _("The question is too long (300 characters at most).")
    options = [option.strip() for option in spec.options if option and option.strip()]
    if not POLL_MIN_OPTIONS <= len(options) <= POLL_MAX_OPTIONS:
        errors["poll_options"] = _("A poll has %(min)s to %(max)s options.") % {
            "min": POLL_MIN_OPTIONS, "max": POLL_MAX_OPTIONS}
    elif len({option.casefold() for option in options}) != len(options):
        errors["poll_options"] = _("Two options are the same.")
    elif any(len(option) > 200 for option in options):
        errors["poll_options"] = _("An option is too long (200 characters at most).")
    if spec.closes_at is not None and spec.closes_at <= timezone.now():
        errors["poll_closes_at"] = _("The closing time must be in the future.")
    if errors:
        raise ValidationError(errors)
    return PollSpec(question, options, bool(spec.multiple), bool(spec.anonymous), spec.closes_at)


def _check_attachments(files) -> list[documents.CheckedFile]:
    """Attached files are documents of the group's library: checked as its uploads are."""
    files = list(files or [])
    if len(files) > _limit("post_attachments"):
        raise ValidationError({"attachments": _("Attach %(limit)s files at most.")
                                              % {"limit": _limit("post_attachments")}})
    return documents.check_attachments(files, field_name="attachments")


def _only_announcements_are_urgent() -> ValidationError:
    return ValidationError({"urgent": _("Only announcements can be urgent.")})
