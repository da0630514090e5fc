"""Writing the index: search.services, and the content services that push into it on commit
(feed, chat, groups, accounts)."""

import logging

import pytest
from django.db import connection, transaction

from accounts import services as account_services
from chat import services as chat_services
from feed import services as feed_services
from feed.services import PollSpec
from groups import services as group_services
from search import selectors, services
from search.models import AudienceMember, Entry
from tests.conftest import make_user
from tests.search.conftest import at, ids, on_sqlite, put

pytestmark = pytest.mark.django_db


def entry(kind, object_id) -> Entry:
    return Entry.objects.get(kind=kind, object_id=object_id)


# --- search.services -----------------------------------------------------------------------

def test_index_adds_then_replaces_one_entry_per_object(user, group):
    pk = put(group=group, title="Avant", body="premier texte", author=user)
    put(object_id=pk, group=group, title="Après", body="second texte", author=user)
    assert Entry.objects.filter(kind="post", object_id=pk).count() == 1
    assert entry("post", pk).title == "Après"
    assert ids(user, "second") == {pk} and ids(user, "premier ") == set()


def test_the_same_id_in_two_kinds_is_two_entries(group):
    put("post", object_id=7, group=group, body="a")
    put("message", object_id=7, group=group, body="b")
    assert Entry.objects.filter(object_id=7).count() == 2


def test_unindex_removes_only_the_given_kind(user, group):
    put("post", object_id=8, group=group, body="garde")
    put("comment", object_id=8, group=group, body="garde")
    assert services.unindex("post", [8]) == 1
    assert ids(user, "garde", kind="comment") == {8}
    assert services.unindex("post", []) == 0


def test_index_refuses_an_unknown_kind(group):
    with pytest.raises(ValueError, match="unknown search kind"):
        put("ticket", group=group, body="x")


def test_text_is_cleaned_and_bounded(user, group, settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "search_body_chars": 30}
    pk = put(group=group, title="Titre\x01\x02 \n\n avec   espaces",
             body="mot " * 50 + "introuvable")
    row = entry("post", pk)
    assert row.title == "Titre avec espaces"
    assert len(row.body) == 30
    assert ids(user, "introuvable ") == set()


def test_set_audience_replaces_the_readers(user, other_user, staff_user):
    services.set_audience("conversation:1", [user.id, other_user.id])
    services.set_audience("conversation:1", [other_user.id, staff_user.id])
    assert set(AudienceMember.objects.filter(key="conversation:1")
               .values_list("user_id", flat=True)) == {other_user.id, staff_user.id}


def test_nothing_is_indexed_when_the_transaction_rolls_back(committed, user, group):
    with committed():
        try:
            with transaction.atomic():
                feed_services.create_post(author=user, group=group, body="Brouillon perdu")
                raise RuntimeError
        except RuntimeError:
            pass
    assert not Entry.objects.filter(kind="post").exists()


def test_a_failing_index_write_is_logged_not_raised(committed, user, group, monkeypatch,
                                                    caplog):
    def broken(documents):
        raise RuntimeError("index unavailable")

    monkeypatch.setattr(services, "index_many", broken)
    with caplog.at_level(logging.ERROR), committed():
        post = feed_services.create_post(author=user, group=group, body="Toujours publié")
    assert post.pk and "index unavailable" in caplog.text


@on_sqlite
def test_sqlite_full_text_table_stays_in_step_with_every_write(user, group, private_group):
    pk = put(group=group, body="alpha")
    put(object_id=pk, group=group, body="beta")
    put(group=private_group, body="gamma")
    private_group.delete()
    services.unindex("post", [pk])
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
        cursor.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH 'alpha OR beta "
                       "OR gamma'")
        assert cursor.fetchone()[0] == 0


# --- feed ----------------------------------------------------------------------------------

def test_posts_are_indexed_on_create_and_edit(committed, user, group):
    with committed():
        post = feed_services.create_post(author=user, group=group,
                                         body="**Nouveau** protocole de *pansement*")
    row = entry("post", post.id)
    assert (row.group_id, row.author_id, row.url) == (group.id, user.id, f"/posts/{post.id}/")
    assert row.body == "Nouveau protocole de pansement"
    with committed():
        feed_services.update_post(actor=user, post=post, body="Protocole de perfusion")
    assert ids(user, "perfusion") == {post.id} and ids(user, "pansement") == set()


def test_a_post_made_an_announcement_changes_kind(committed, user, group):
    with committed():
        post = feed_services.create_post(author=user, group=group, body="Fermeture du parking")
        feed_services.update_post(actor=user, post=post, kind="announcement")
    assert ids(user, "parking", kind="announcement") == {post.id}
    assert not Entry.objects.filter(kind="post", object_id=post.id).exists()


def test_a_poll_is_found_by_its_question_and_options(committed, user, group):
    with committed():
        post = feed_services.create_post(
            author=user, group=group, kind="poll",
            poll=PollSpec(question="Quel créneau pour la formation?",
                          options=["Mardi matin", "Jeudi après-midi"]))
    assert ids(user, "créneau formation") == {post.id}
    assert ids(user, "jeudi") == {post.id}
    assert entry("post", post.id).title == "Quel créneau pour la formation?"


def test_comments_are_indexed_edited_and_removed_with_their_replies(committed, user, group):
    with committed():
        post = feed_services.create_post(author=user, group=group, body="Question")
        comment = feed_services.add_comment(author=user, post=post, body="Chariot en salle 3")
        reply = feed_services.add_comment(author=user, post=post, body="Chariot rangé",
                                          parent=comment)
    row = entry("comment", comment.id)
    assert row.url == f"/posts/{post.id}/#comment-{comment.id}" and row.group_id == group.id
    with committed():
        feed_services.edit_comment(actor=user, comment=comment, body="Brancard en salle 3")
    assert ids(user, "brancard", kind="comment") == {comment.id}
    with committed():
        feed_services.delete_comment(actor=user, comment=comment)
    assert not Entry.objects.filter(kind="comment", object_id__in=[comment.id, reply.id]).exists()


# --- chat ----------------------------------------------------------------------------------

def test_channel_messages_are_indexed_edited_and_removed(committed, user, group):
    channel = chat_services.ensure_channel(group)
    with committed():
        root, _ = chat_services.send_message(author=user, conversation=channel,
                                             body="Qui a la clé de la pharmacie?")
        reply, _ = chat_services.send_message(author=user, conversation=channel,
                                              body="La clé est au poste", thread_root_id=root.id)
    row = entry("message", reply.id)
    assert row.url == f"/chat/{channel.id}/?message={reply.id}"
    assert row.extra == {"conversation_id": channel.id, "thread_id": root.id}
    assert (row.group_id, row.audience) == (group.id, None)
    with committed():
        chat_services.edit_message(actor=user, message=root, body="Qui a le badge?")
    assert ids(user, "pharmacie", kind="message") == set()
    assert ids(user, "badge", kind="message") == {root.id}


def test_direct_conversations_give_their_people_as_audience(committed, user, other_user):
    with committed():
        conversation, _ = chat_services.start_direct(user=user, user_ids=[other_user.id])
        message, _ = chat_services.send_message(author=other_user, conversation=conversation,
                                                body="Relève à 19h")
    row = entry("message", message.id)
    assert (row.group_id, row.audience) == (None, f"conversation:{conversation.id}")
    assert set(AudienceMember.objects.filter(key=row.audience)
               .values_list("user_id", flat=True)) == {user.id, other_user.id}


# --- groups and people ---------------------------------------------------------------------

def test_groups_are_indexed_on_create_update_and_archive(committed, user):
    with committed():
        group = group_services.create_group(creator=user, name="Bloc opératoire",
                                            description="Planning des salles")
    assert ids(user, "bloc", kind="group") == {group.id}
    with committed():
        group_services.update_group(actor=user, group=group, description="Stérilisation")
    assert ids(user, "stérilisation", kind="group") == {group.id}
    with committed():
        group_services.set_archived(actor=user, group=group, archived=True)
    assert entry("group", group.id).extra["archived"] is True
    assert entry("group", group.id).url == "/groups/bloc-operatoire/"


def test_people_are_indexed_on_creation_and_profile_change(committed, user):
    with committed():
        person = make_user("nadia.petit@hopital.example", "Nadia Petit",
                           job_title="Sage-femme", department="Maternité")
    assert ids(user, "sage-femme maternité", kind="person") == {person.id}
    with committed():
        account_services.update_profile(user=person, department="Néonatologie")
    assert ids(user, "néonatologie", kind="person") == {person.id}
    assert entry("person", person.id).created == person.date_joined


def test_a_reactivated_person_is_found_again(committed, user, other_user):
    with committed():
        account_services.set_active(user=other_user, active=False)
        account_services.set_active(user=other_user, active=True)
    assert ids(user, "hugo", kind="person") == {other_user.id}


def test_dates_are_kept_as_given(user, group):
    pk = put(group=group, body="Ancien", created=at(2020, 5, 17))
    assert entry("post", pk).created == at(2020, 5, 17)


def test_the_admin_site_keeps_people_in_step(committed, staff_user, staff_client, other_user,
                                             user):
    staff_user.is_superuser = True
    staff_user.save(update_fields=["is_superuser"])
    form = {"email": other_user.email, "display_name": "Hugo Bernard-Petit",
            "job_title": "Technicien", "department": "Informatique", "phone": "",
            "language": "en", "time_zone": "Europe/Paris", "kind": "member",
            "is_active": "on", "last_login_0": "", "last_login_1": ""}
    change = f"/admin/accounts/user/{other_user.id}/change/"
    with committed():
        assert staff_client.post(change, form).status_code == 302
    assert ids(user, "petit", kind="person") == {other_user.id}
    with committed():
        assert staff_client.post(change, {**form, "is_active": ""}).status_code == 302
    assert ids(user, "petit", kind="person") == set()
    assert not Entry.objects.filter(kind="person", object_id=other_user.id).exists()


def test_long_texts_are_found_anywhere_and_snippets_stay_short(user, group):
    pk = put("document", group=group, title="Manuel.pdf",
             body="Introduction au manuel qualité. " + "Texte courant du manuel. " * 2000
             + "Annexe: conduite à tenir en cas de légionellose.")
    [result] = selectors.search(user, "légionellose", kinds=["document"]).results
    assert result.id == pk and 0 < len(result.snippet) < 600


def test_the_index_holds_the_content_as_committed(committed, user, group):
    from feed.models import Post

    with committed(), transaction.atomic():
        post = feed_services.create_post(author=user, group=group, body="Ancienne consigne")
        Post.objects.filter(id=post.id).update(created=at(2024, 6, 1))  # as the demo does
        channel = chat_services.ensure_channel(group)
        message, _ = chat_services.send_message(author=user, conversation=channel,
                                                body="Message retiré aussitôt")
        chat_services.delete_message(actor=user, message=message)
    assert entry("post", post.id).created == at(2024, 6, 1)
    assert not Entry.objects.filter(kind="message", object_id=message.id).exists()
