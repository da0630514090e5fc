"""Every write to the feed: posts, comments, reactions, polls, receipts and reminders.

Each service checks permission, validates, runs in one transaction and registers its events
and notifications on commit. Callers import from here (``from feed import services``); the
writes live in:

- ``posts``: create (with poll and attached files), edit, delete and pin a post or announcement;
- ``comments``: comments and replies, their edits and deletion; reactions;
- ``polls``: voting;
- ``receipts``: announcements seen, acknowledged and reminded; live receipt counts;
- ``deadlines``: the "deadline is near" notice of announcements that ask for acknowledgement;
- ``validation``: checks on text, deadlines, polls and files, shared by the above;
- ``_common``: a post's link and notification target, rich text, mentions.

A test that replaces a helper must patch it in the module that calls it (for example
``feed.services.posts._record_mentions``): the names below are only re-exports.
"""

from feed.services._common import Kind, post_url
from feed.services.comments import add_comment, delete_comment, edit_comment, react, unreact
from feed.services.deadlines import (
    DEADLINE_FIELDS,
    ack_due_notice_at,
    notify_acknowledgement_due,
)
from feed.services.polls import vote
from feed.services.posts import create_post, delete_post, set_pinned, update_post
from feed.services.receipts import (
    ReminderTooSoon,
    acknowledge,
    next_reminder_at,
    push_receipt_counts,
    record_views,
    remind,
)
from feed.services.validation import POLL_MAX_OPTIONS, POLL_MIN_OPTIONS, PollSpec

__all__ = [
    "DEADLINE_FIELDS",
    "POLL_MAX_OPTIONS",
    "POLL_MIN_OPTIONS",
    "Kind",
    "PollSpec",
    "ReminderTooSoon",
    "ack_due_notice_at",
    "acknowledge",
    "add_comment",
    "create_post",
    "delete_comment",
    "delete_post",
    "edit_comment",
    "next_reminder_at",
    "notify_acknowledgement_due",
    "post_url",
    "push_receipt_counts",
    "react",
    "record_views",
    "remind",
    "set_pinned",
    "unreact",
    "update_post",
    "vote",
]
