"""Event builders for the feed (docs/realtime.md). JSON-only payloads, never post text: a
client fetches what it shows through the permission-checked views."""

from feed.models import Comment, Post


def _post_ref(post: Post) -> dict:
    return {"id": post.id, "group_id": post.group_id, "kind": post.kind,
            "author_id": post.author_id, "requires_ack": post.requires_ack}


def post_created(post: Post) -> dict:
    return {"type": "post.created", "post": _post_ref(post)}


def post_updated(post: Post, *, changed: list[str]) -> dict:
    return {"type": "post.updated", "post": _post_ref(post), "changed": changed}


def post_deleted(*, post_id: int, group_id: int) -> dict:
    return {"type": "post.deleted", "post": {"id": post_id, "group_id": group_id}}


def comment_created(comment: Comment, *, comment_count: int) -> dict:
    return {"type": "comment.created", "post_id": comment.post_id, "comment_id": comment.id,
            "parent_id": comment.parent_id, "author_id": comment.author_id,
            "comment_count": comment_count}


def reaction_changed(post: Post, *, counts: dict[str, int]) -> dict:
    return {"type": "reaction.changed", "post_id": post.id, "counts": counts}


def receipts_changed(post: Post, *, counts: dict) -> dict:
    return {"type": "announcement.receipts_changed", "post_id": post.id,
            "counts": {key: counts[key] for key in ("audience", "seen", "acknowledged",
                                                    "seen_percent", "acknowledged_percent",
                                                    "joined_later")}}
