"""Search in a real browser: suggestions while typing in the top bar, the results page
grouped by kind, a kind filter, and opening a result."""

import re

import pytest
from playwright.sync_api import expect

from chat import services as chat_services
from feed import services as feed_services
from groups import services as group_services
from groups.models import Group
from tests.conftest import make_user
from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ward(db):
    sophie = make_user("sophie.dubois@hopital.example", "Sophie Dubois", job_title="Cadre de santé",
                       department="Cardiologie", language="en")
    hugo = make_user("hugo.bernard@hopital.example", "Hugo Bernard", job_title="Infirmier",
                     department="Cardiologie", language="en")
    make_user("helene.hygiene@hopital.example", "Hélène Roux", job_title="Infirmière hygiéniste",
              department="Équipe opérationnelle d'hygiène", language="en")
    cardio = group_services.create_group(creator=sophie, name="Cardiologie",
                                         description="Service de cardiologie, 3e étage")
    hygiene = group_services.create_group(creator=sophie, name="Hygiène hospitalière",
                                          description="Prévention des infections associées "
                                                      "aux soins")
    secret = group_services.create_group(creator=sophie, name="Cellule de crise",
                                         visibility=Group.Visibility.SECRET)
    group_services.add_member(actor=sophie, group=cardio, user=hugo)
    announcement = feed_services.create_post(
        author=sophie, group=cardio, kind="announcement",
        body="**Procédure d'hygiène des mains** mise à jour: friction hydro-alcoolique de 30 "
             "secondes avant et après chaque contact patient.")
    post = feed_services.create_post(
        author=hugo, group=cardio,
        body="Rappel: l'audit d'hygiène des mains a lieu jeudi dans le service.")
    feed_services.create_post(author=sophie, group=hygiene,
                              body="Affiches hygiène des mains à imprimer pour les chambres")
    feed_services.create_post(author=sophie, group=secret,
                              body="Hygiène des mains: incident confidentiel")
    message, _ = chat_services.send_message(
        author=sophie, conversation=chat_services.ensure_channel(cardio),
        body="Les flacons de gel pour l'hygiène des mains sont arrivés en salle de soins.")
    return {"announcement": announcement, "post": post, "message": message, "hugo": hugo}


def test_type_in_the_top_bar_see_suggestions_open_results_filter_and_open_one(ward, page):
    log_in(page, "hugo.bernard@hopital.example")
    box = page.locator("#topbar-q")
    box.click()
    box.press_sequentially("hygi", delay=30)

    suggestions = page.locator("#topbar-suggestions")
    expect(suggestions).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(suggestions.get_by_role("option").first).to_be_visible()
    expect(suggestions).to_contain_text("Announcements")
    expect(suggestions).to_contain_text("Procédure d'hygiène des mains")
    expect(suggestions).to_contain_text("Hélène Roux")
    screenshot(page, "search-suggestions")
    expect(suggestions).not_to_contain_text("confidentiel")

    # The arrows move through the options; Escape closes the list.
    box.press("ArrowDown")
    first = suggestions.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    box.press("Escape")
    expect(suggestions).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")

    # Enter with nothing chosen opens the results page.
    box.press_sequentially("ène", delay=30)
    expect(suggestions).to_be_visible()
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=hygi%C3%A8ne$"))
    expect(page.locator(".search-section h2")).to_have_text(
        [re.compile(rf"^{kind}") for kind in ("People", "Groups", "Announcements", "Posts",
                                              "Messages")])
    expect(page.locator(".search-results").nth(1)).to_contain_text("Hygiène hospitalière")
    expect(page.locator("#search-results")).to_contain_text("Rappel: l'audit d'hygiène")
    expect(page.locator("#search-results mark").first).to_be_visible()
    expect(page.locator("#search-results")).not_to_contain_text("confidentiel")
    screenshot(page, "search-results")

    # Only messages, then open the message in its conversation.
    page.locator(".search-kinds").get_by_role("link", name=re.compile("^Messages")).click()
    page.wait_for_url(re.compile(r"kind=message"))
    results = page.locator(".search-result")
    expect(results).to_have_count(1)
    page.locator(".search-filters > summary").click()
    expect(page.get_by_label("Author")).to_contain_text("Sophie Dubois (1)")
    screenshot(page, "search-filtered")
    results.first.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/chat/\d+/\?message={ward['message'].id}"))
    expect(page.get_by_text("Les flacons de gel pour l'hygiène des mains")).to_be_visible()


def test_a_highlighted_suggestion_opens_with_enter(ward, page):
    log_in(page, "hugo.bernard@hopital.example")
    box = page.locator("#topbar-q")
    box.click()
    box.press_sequentially("audit hyg", delay=30)
    suggestions = page.locator("#topbar-suggestions")
    post = suggestions.get_by_role("option", name=re.compile("^Post in Cardiologie"))
    expect(post).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url(re.compile(rf"/posts/{ward['post'].id}/"))
    expect(page.locator("main")).to_contain_text("l'audit d'hygiène des mains")
