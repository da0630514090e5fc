"""The shapes of the feed API (/api/v1/): what goes in and what comes out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, Field, field_validator, model_validator

from feed import selectors, services
from feed.models import Post

PostKind = Literal["post", "announcement", "poll"]


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text: refused here it is a 422, not a database error.
    if "\x00" in value:
        raise ValueError(_("The text contains a NUL character, which is not allowed."))
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


def _aware(value: datetime | None) -> datetime | None:
    """A time sent without an offset is read in the server's time zone."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _viewer(context):
    return context["request"].auth


# --- Out -------------------------------------------------------------------------------------

class GroupRef(Schema):
    id: int
    slug: str
    name: str


class PersonRef(Schema):
    id: int
    display_name: str


class ReactionOut(Schema):
    emoji: str
    count: int
    mine: bool
    names: list[str]


class ReactionsOut(Schema):
    reactions: list[ReactionOut]


class AttachmentOut(Schema):
    """A file attached to a post: a document of the group's library (its current version)."""

    id: int
    name: str
    size: int
    content_type: str = Field(description="The kind of file, judged by its content.")
    url: str = Field(description="The file, for a browser session (the library's download).")
    document_id: int
    document_url: str = Field(description="The document's page in the group's library.")
    download_url: str = Field(description="The file, through the API.")

    @staticmethod
    def resolve_name(attachment):
        return attachment.document.name

    @staticmethod
    def resolve_size(attachment):
        return attachment.document.current_version.size

    @staticmethod
    def resolve_content_type(attachment):
        return attachment.document.current_version.content_type

    @staticmethod
    def resolve_url(attachment):
        return reverse("documents:download", args=[attachment.document_id])

    @staticmethod
    def resolve_document_url(attachment):
        return reverse("documents:detail", args=[attachment.document_id])

    @staticmethod
    def resolve_download_url(attachment):
        return reverse("api:download_document", args=[attachment.document_id])


class OptionOut(Schema):
    id: int
    label: str
    votes: int | None = Field(None, description="Shown once you voted or the poll closed.")


class PollOut(Schema):
    id: int
    question: str
    multiple: bool
    anonymous: bool
    closes_at: datetime | None
    open: bool
    voter_count: int | None
    options: list[OptionOut]
    my_votes: list[int]

    @staticmethod
    def _results_shown(poll) -> bool:
        return bool(poll.my_votes) or not poll.is_open()

    @staticmethod
    def resolve_open(poll):
        return poll.is_open()

    @staticmethod
    def resolve_voter_count(poll):
        return poll.voter_count if PollOut._results_shown(poll) else None

    @staticmethod
    def resolve_options(poll):
        shown = PollOut._results_shown(poll)
        return [{"id": option.id, "label": option.label,
                 "votes": option.vote_count if shown else None}
                for option in poll.options.all()]

    @staticmethod
    def resolve_my_votes(poll):
        return sorted(vote.option_id for vote in poll.my_votes)


class ReceiptOut(Schema):
    seen_at: datetime
    acknowledged_at: datetime | None


class PostOut(Schema):
    id: int
    group: GroupRef
    author: PersonRef | None
    kind: str
    body: str
    body_html: str
    created: datetime
    edited_at: datetime | None
    pinned: bool
    requires_ack: bool
    ack_deadline: datetime | None
    urgent: bool = Field(description="An urgent announcement reaches people at once, even "
                                     "outside their working hours.")
    comment_count: int
    reactions: list[ReactionOut]
    attachments: list[AttachmentOut]
    poll: PollOut | None
    my_receipt: ReceiptOut | None
    url: str

    @staticmethod
    def resolve_pinned(post):
        return post.is_pinned

    @staticmethod
    def resolve_reactions(post, context):
        return selectors.reaction_summary(post, _viewer(context))

    @staticmethod
    def resolve_attachments(post):
        return list(post.attachments.all())

    @staticmethod
    def resolve_poll(post):
        return post.poll if post.kind == Post.Kind.POLL else None

    @staticmethod
    def resolve_my_receipt(post):
        receipts = getattr(post, "my_receipts", None)
        return receipts[0] if receipts else None

    @staticmethod
    def resolve_url(post):
        return services.post_url(post)


class FeedOut(Schema):
    top: list[PostOut] = Field(description="Pinned posts and announcements awaiting your "
                                           "acknowledgement (first page only).")
    items: list[PostOut]
    next_cursor: str | None


class ReplyOut(Schema):
    id: int
    post_id: int
    parent_id: int | None
    author: PersonRef | None
    body: str
    body_html: str
    created: datetime
    edited_at: datetime | None


class CommentOut(ReplyOut):
    """A comment with its replies (one level: a reply has none of its own)."""

    replies: list[ReplyOut]

    @staticmethod
    def resolve_replies(comment):
        return [] if comment.parent_id is not None else list(comment.replies.all())


class CommentList(Schema):
    items: list[CommentOut]


class PersonRow(Schema):
    id: int
    display_name: str
    email: str
    department: str


class ReceiptRowOut(Schema):
    user: PersonRow
    seen_at: datetime | None
    acknowledged_at: datetime | None
    joined_later: bool


class ReceiptCounts(Schema):
    audience: int
    seen: int
    acknowledged: int
    joined_later: int
    seen_percent: int
    acknowledged_percent: int


class ReceiptPage(Schema):
    counts: ReceiptCounts
    items: list[ReceiptRowOut]
    page: int
    pages: int


class RecordedOut(Schema):
    recorded: bool


class AcknowledgementOut(Schema):
    seen_at: datetime
    acknowledged_at: datetime | None


class ReminderOut(Schema):
    recipient_count: int
    sent_at: datetime
    next_possible_at: datetime | None


class TooSoonOut(Schema):
    detail: str
    next_possible_at: datetime


# --- In --------------------------------------------------------------------------------------

class PollIn(Schema):
    question: Text
    options: list[Text]
    multiple: bool = False
    anonymous: bool = False
    closes_at: datetime | None = None

    @field_validator("closes_at")
    @classmethod
    def aware_closes_at(cls, value):
        return _aware(value)

    def to_spec(self) -> services.PollSpec:
        return services.PollSpec(question=self.question, options=self.options,
                                 multiple=self.multiple, anonymous=self.anonymous,
                                 closes_at=self.closes_at)


class PostIn(Schema):
    body: Text = ""
    kind: PostKind = "post"
    requires_ack: bool = False
    ack_deadline: datetime | None = None
    urgent: bool = Field(False, description="Announcements only: email and push go out at once, "
                                            "even to people outside their working hours.")
    poll: PollIn | None = None

    @field_validator("ack_deadline")
    @classmethod
    def aware_deadline(cls, value):
        return _aware(value)

    @model_validator(mode="after")
    def poll_only_for_polls(self):
        if self.poll is not None and self.kind != Post.Kind.POLL:
            raise ValueError(_("Only a poll has a question and options: send \"kind\": "
                               "\"poll\"."))
        return self


class PostPatch(Schema):
    """Only the fields present are changed; ``"ack_deadline": null`` removes the deadline."""

    body: Text | None = None
    kind: PostKind | None = None
    requires_ack: bool | None = None
    ack_deadline: datetime | None = None
    urgent: bool | None = None

    @field_validator("ack_deadline")
    @classmethod
    def aware_deadline(cls, value):
        return _aware(value)


class CommentIn(Schema):
    body: Text
    parent_id: int | None = None


class ReactionIn(Schema):
    emoji: Text


class VoteIn(Schema):
    option_ids: list[int]
