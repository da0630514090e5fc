"""manage.py search_reindex: rebuilds every kind (or some) from the content, in batches,
removing what should no longer be found, with a progress bar on a terminal."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chat import services as chat_services
from feed import services as feed_services
from feed.models import Post
from search import services
from search.models import AudienceMember, Entry
from tests.search import documents_source
from tests.search.conftest import ids, put

pytestmark = pytest.mark.django_db


class Terminal(io.StringIO):
    def isatty(self):
        return True


def reindex(*args, stderr=None):
    out = io.StringIO()
    call_command("search_reindex", *args, stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


@pytest.fixture
def content(user, other_user, group):
    """Content whose index entries are all gone, as after restoring a database without the
    index: made without committing, and the message's entry (its task runs at once in
    tests) dropped."""
    post = feed_services.create_post(author=user, group=group, body="Protocole sepsis")
    comment = feed_services.add_comment(author=user, post=post, body="Sepsis: lu")
    conversation, _ = chat_services.start_direct(user=user, user_ids=[other_user.id])
    message, _ = chat_services.send_message(author=user, conversation=conversation,
                                            body="Sepsis au box 2")
    Entry.objects.all().delete()
    return {"post": post, "comment": comment, "message": message,
            "conversation": conversation}


def test_reindex_builds_everything_from_the_content(user, other_user, group, content):
    assert not Entry.objects.exists()
    output = reindex()
    assert ids(user, "sepsis") == {content["post"].id}
    assert ids(user, "sepsis", kind="comment") == {content["comment"].id}
    assert ids(other_user, "sepsis", kind="message") == {content["message"].id}
    assert ids(user, "cardiologie ", kind="group") == {group.id}
    assert ids(other_user, "camille", kind="person") == {user.id}
    assert AudienceMember.objects.filter(
        key=f"conversation:{content['conversation'].id}").count() == 2
    assert "post: 1 indexed, 0 removed" in output
    assert "Search index rebuilt: " in output and "1 conversation audiences" in output


def test_reindex_removes_what_no_longer_exists_and_keeps_the_rest(user, group, content):
    reindex()
    stale = put(group=group, body="Sepsis fantôme")  # indexed, but no such post
    Post.objects.filter(id=content["post"].id).update(body="Protocole choc",
                                                      body_html="<p>Protocole choc</p>")
    output = reindex()
    assert ids(user, "sepsis") == set() and stale not in ids(user, "fantôme")
    assert "post: 1 indexed, 1 removed" in output


def test_reindex_of_one_kind_leaves_the_others(user, group, content):
    extra_comment = put("comment", group=group, body="Sepsis commentaire orphelin")
    output = reindex("--kind", "post")
    assert ids(user, "sepsis") == {content["post"].id}
    assert ids(user, "orphelin", kind="comment") == {extra_comment}
    assert "comment:" not in output


def test_reindex_takes_other_apps_through_the_sources_setting(settings, user, group):
    settings.RELAIS_SEARCH_SOURCES = [*settings.RELAIS_SEARCH_SOURCES,
                                      "tests.search.documents_source"]
    documents_source.LIBRARY[:] = [{"id": 41, "group_id": group.id, "name": "sepsis.pdf",
                                    "text": "Antibiothérapie dans l'heure"}]
    try:
        output = reindex("--kind", "document")
    finally:
        documents_source.LIBRARY.clear()
    assert ids(user, "antibiothérapie", kind="document") == {41}
    assert "document: 1 indexed" in output


def test_a_kind_without_a_source_is_an_error(settings):
    settings.RELAIS_SEARCH_SOURCES = [source for source in settings.RELAIS_SEARCH_SOURCES
                                      if source != "documents.search_index"]
    with pytest.raises(CommandError, match="No source gives document"):
        reindex("--kind", "document")


def test_progress_is_drawn_in_place_on_a_terminal(user, group, content, monkeypatch):
    monkeypatch.setattr("search.management.commands.search_reindex.BATCH_SIZE", 1)
    for i in range(3):
        feed_services.create_post(author=user, group=group, body=f"Note {i}")
    terminal = Terminal()
    reindex("--kind", "post", stderr=terminal)
    drawn = terminal.getvalue()
    assert drawn.count("\r") == 5  # the empty bar, then once per batch of one
    assert "4/4 100%" in drawn and drawn.endswith("\n")


def test_progress_is_silent_elsewhere(user, content):
    quiet = io.StringIO()
    output = reindex(stderr=quiet)
    assert quiet.getvalue() == "" and "Search index rebuilt" in output


def test_reindex_twice_is_the_same(user, content):
    reindex()
    first = set(Entry.objects.values_list("kind", "object_id", "title", "body"))
    reindex()
    assert set(Entry.objects.values_list("kind", "object_id", "title", "body")) == first
    assert services.unindex("post", [content["post"].id]) == 1
