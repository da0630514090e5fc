"""What the feed gives search: posts, announcements (and polls) and comments, as plain data
(search imports no content app). Used by feed.services on commit and by search_reindex."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import F
from django.urls import reverse

from feed.models import Comment, Post
from search import services as search
from search.services import Document
from search.text import from_html

KINDS = ("post", "announcement", "comment")


def _kind(post: Post) -> str:
    return "announcement" if post.kind == Post.Kind.ANNOUNCEMENT else "post"


def post_document(post: Post) -> Document:
    title, body = "", from_html(post.body_html)
    if post.kind == Post.Kind.POLL and hasattr(post, "poll"):
        title = post.poll.question
        body = " ".join([body, *(option.label for option in post.poll.options.all())])
    return Document(kind=_kind(post), object_id=post.id, group_id=post.group_id,
                    author_id=post.author_id, title=title, body=body, created=post.created,
                    url=reverse("feed:post", args=[post.id]))


def comment_document(comment: Comment, *, group_id: int) -> Document:
    url = f"{reverse('feed:post', args=[comment.post_id])}#comment-{comment.id}"
    return Document(kind="comment", object_id=comment.id, group_id=group_id,
                    author_id=comment.author_id, title="", body=from_html(comment.body_html),
                    created=comment.created, url=url, extra={"post_id": comment.post_id})


def index_post(post: Post, *, kind_changed: bool = False) -> None:
    """Index a post as committed; a post that became an announcement (or back) leaves its
    entry of the other kind."""
    if kind_changed:
        other = "post" if _kind(post) == "announcement" else "announcement"
        search.unindex_on_commit(other, [post.id])
    post_id = post.id

    def committed() -> Document | None:
        found = (Post.objects.select_related("poll").prefetch_related("poll__options")
                 .filter(id=post_id).first())
        return post_document(found) if found else None

    search.index_later(committed)


def unindex_post(post_id: int, comment_ids: list[int]) -> None:
    for kind in ("post", "announcement"):
        search.unindex_on_commit(kind, [post_id])
    search.unindex_on_commit("comment", comment_ids)


def index_comment(comment: Comment) -> None:
    """Index a comment as committed."""
    comment_id = comment.id

    def committed() -> Document | None:
        found = (Comment.objects.annotate(post_group_id=F("post__group_id"))
                 .filter(id=comment_id).first())
        return comment_document(found, group_id=found.post_group_id) if found else None

    search.index_later(committed)


def unindex_comments(comment_ids: list[int]) -> None:
    search.unindex_on_commit("comment", comment_ids)


# --- search_reindex ------------------------------------------------------------------------

def _posts(kind: str):
    posts = Post.objects.all()
    if kind == "announcement":
        return posts.filter(kind=Post.Kind.ANNOUNCEMENT)
    return posts.exclude(kind=Post.Kind.ANNOUNCEMENT)


def search_count(kind: str) -> int:
    return Comment.objects.count() if kind == "comment" else _posts(kind).count()


def search_documents(kind: str) -> Iterator[Document]:
    if kind == "comment":
        comments = Comment.objects.annotate(post_group_id=F("post__group_id")).order_by("id")
        for comment in comments.iterator(chunk_size=1000):
            yield comment_document(comment, group_id=comment.post_group_id)
        return
    posts = (_posts(kind).select_related("poll").prefetch_related("poll__options")
             .order_by("id"))
    for post in posts.iterator(chunk_size=1000):
        yield post_document(post)
