"""Feed cards drawn once and shared (feed/card_html.py): each reader still gets their own card."""

import re

import pytest
from django.core.cache import caches
from django.test import Client

from feed import services
from groups import services as group_services
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db


def card_of(content: bytes, post_id: int) -> str:
    html = content.decode()
    start = html.rindex("<article", 0, html.index(f'id="post-{post_id}"'))
    return html[start:html.index("</article>", start)]


@pytest.fixture
def reader(other_user, group):
    group_services.join_group(user=other_user, group=group)
    return other_user


@pytest.fixture
def post(user, group):
    return services.create_post(author=user, group=group, body="Nouveau protocole **sepsis**")


def test_a_card_drawn_for_its_author_is_not_served_to_another_reader(user, reader, post):
    author_card = card_of(client_for(user).get("/").content, post.id)
    assert f'href="/posts/{post.id}/edit/"' in author_card
    assert len(caches["cards"]._cache) >= 1  # the card was kept

    reader_card = card_of(client_for(reader).get("/").content, post.id)
    assert "Nouveau protocole" in reader_card
    assert f'href="/posts/{post.id}/edit/"' not in reader_card
    assert f"/posts/{post.id}/delete/" not in reader_card


def test_my_reaction_is_mine_only(user, reader, post):
    services.react(user=reader, post=post, emoji="👍")
    client_for(reader).get("/")  # drawn for the reader first
    author_card = card_of(client_for(user).get("/").content, post.id)
    reader_card = card_of(client_for(reader).get("/").content, post.id)
    assert 'class="reaction reaction-mine" aria-pressed="true"' in reader_card
    assert 'aria-pressed="true"' not in author_card
    assert "Hugo Bernard" in author_card  # who reacted, shown to everyone


def test_a_change_to_the_post_shows_on_the_next_page(user, reader, post):
    reader_client = client_for(reader)
    assert "Bonne idée" not in card_of(reader_client.get("/").content, post.id)
    services.add_comment(author=user, post=post, body="Bonne idée")
    assert "Bonne idée" in card_of(reader_client.get("/").content, post.id)
    services.update_post(actor=user, post=post, body="Protocole sepsis, version 2")
    card = card_of(reader_client.get("/").content, post.id)
    assert "version 2" in card
    assert "Nouveau protocole" not in card


def test_only_my_own_comments_offer_deletion(user, reader, post):
    comment = services.add_comment(author=reader, post=post, body="Lu, merci")
    other = make_user("lea@hopital.example", "Léa Petit", language="en")
    group_services.join_group(user=other, group=post.group)
    delete_url = f"/comments/{comment.id}/delete/"
    assert delete_url in card_of(client_for(reader).get("/").content, post.id)
    assert delete_url not in card_of(client_for(other).get("/").content, post.id)
    assert delete_url in card_of(client_for(user).get("/").content, post.id)  # group owner


def test_forms_of_a_shared_card_carry_the_readers_own_token(user, reader, post):
    client_for(user).get("/")  # the card is drawn with the author's request
    reader_client = Client(enforce_csrf_checks=True)
    reader_client.force_login(reader)
    card = card_of(reader_client.get("/").content, post.id)
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', card)
    assert tokens and "relais-deferred" not in card
    response = reader_client.post(f"/posts/{post.id}/react/",
                                  {"emoji": "👍", "csrfmiddlewaretoken": tokens[0]})
    assert response.status_code in (200, 302)
    assert post.reactions.filter(user=reader, emoji="👍").exists()


def test_relative_times_and_the_readers_avatar_are_filled_in(user, reader, post):
    services.add_comment(author=user, post=post, body="Merci")
    client_for(user).get("/")
    card = card_of(client_for(reader).get("/").content, post.id)
    assert "relais-ago" not in card and "relais-deferred" not in card
    assert re.search(r"<time [^>]*>now</time>", card)
    # The comment box shows the reader (Hugo Bernard), not the author who drew the card first.
    comment_box = card.rsplit('class="comment-form"', 1)[1]
    assert ">HB</span>" in comment_box.split("</form>", 1)[0]


def test_each_reader_gets_the_card_in_their_language(user, reader, post):
    client_for(user).get("/")
    reader.language = "fr"
    reader.save(update_fields=["language"])
    card = card_of(client_for(reader).get("/").content, post.id)
    assert "Partager" in card and "Share" not in card
    assert "maintenant" in card


@pytest.fixture
def announcement(user, group):
    return services.create_post(author=user, group=group, kind="announcement",
                                body="Nouvelle procédure", requires_ack=True)


def test_readers_who_have_seen_an_announcement_share_its_card(reader, group, announcement):
    second = make_user("lea@hopital.example", "Léa Petit", language="en")
    group_services.join_group(user=second, group=group)
    services.record_views(user=reader, post_ids=[announcement.id])
    services.record_views(user=second, post_ids=[announcement.id])  # a later time
    caches["cards"].clear()
    first_card = card_of(client_for(reader).get("/").content, announcement.id)
    second_card = card_of(client_for(second).get("/").content, announcement.id)
    assert len(caches["cards"]._cache) == 1
    for card in (first_card, second_card):
        assert "data-track-read" not in card and "I have read and understood" in card


def test_each_reader_sees_their_own_acknowledgement(reader, group, announcement):
    second = make_user("lea@hopital.example", "Léa Petit", language="en")
    group_services.join_group(user=second, group=group)
    unseen = card_of(client_for(second).get("/").content, announcement.id)
    services.acknowledge(user=reader, post=announcement)
    acknowledged = card_of(client_for(reader).get("/").content, announcement.id)
    still_unseen = card_of(client_for(second).get("/").content, announcement.id)
    assert "You confirmed reading this" in acknowledged
    assert "post-awaiting" not in acknowledged.split(">", 1)[0]
    for card in (unseen, still_unseen):
        assert "You confirmed" not in card and "I have read and understood" in card
        assert "data-track-read" in card and "post-awaiting" in card.split(">", 1)[0]
