"""Files attached to a post and to a channel message, in a real browser: they land in the
group's library (Attachments folder), the post card and the message show them, and they open
as documents (issue #5)."""

import pytest
from playwright.sync_api import expect

from documents.models import Document
from groups import services as group_services
from tests.conftest import make_user
from tests.documents.helpers import pdf_bytes, png_bytes
from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PDF = {"name": "Protocole sepsis.pdf", "mimeType": "application/pdf",
       "buffer": pdf_bytes("Administrer vancomycine dans l heure")}
IMAGE = {"name": "Affiche lavage des mains.png", "mimeType": "image/png",
         "buffer": png_bytes((640, 360), (13, 110, 102))}


@pytest.fixture
def ward(db):
    author = make_user("sophie.dubois@hopital.example", "Sophie Dubois", job_title="Cadre",
                       department="Cardiologie", language="en")
    hugo = make_user("hugo.bernard@hopital.example", "Hugo Bernard", job_title="Infirmier",
                     department="Cardiologie", language="en")
    group = group_services.create_group(creator=author, name="Cardiologie")
    group_services.add_member(actor=author, group=group, user=hugo)
    return {"author": author, "hugo": hugo, "group": group}


def test_files_attached_to_a_post_are_shown_and_open_as_documents(ward, new_page):
    page = new_page()
    log_in(page, "sophie.dubois@hopital.example")
    page.goto("/groups/cardiologie/")
    composer = page.locator("form.composer")
    composer.get_by_label("Message").fill("The **new sepsis protocol** and its poster.")
    composer.locator("input[name=attachments]").set_input_files([PDF, IMAGE])
    expect(composer.locator("[data-attachment-names]")).to_contain_text("Protocole sepsis.pdf")
    composer.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash-success")).to_contain_text("Posted in Cardiologie")

    pdf = Document.objects.get(name="Protocole sepsis.pdf")
    assert pdf.folder.is_attachments and pdf.uploaded_by == ward["author"]
    reader = new_page()
    log_in(reader, "hugo.bernard@hopital.example")
    reader.goto(f"/posts/{pdf.post_attachments.get().post_id}/")
    card = reader.locator(".post-card")
    image = card.locator(".attachment-image img")
    expect(image).to_have_attribute("alt", "Affiche lavage des mains.png")
    assert reader.evaluate("(img) => img.complete && img.naturalWidth", image.element_handle()
                           ) == 640
    chip = card.locator(".attachment-chip", has_text="Protocole sepsis.pdf")
    expect(chip).to_contain_text("PDF document")
    expect(chip.get_by_role("link", name="Download Protocole sepsis.pdf")).to_be_visible()
    screenshot(reader, "feed-post-with-attachments")

    chip.locator(".attachment-file").click()
    expect(reader.get_by_role("heading", name="Protocole sepsis.pdf", level=1)).to_be_visible()
    expect(reader.get_by_role("navigation", name="Breadcrumb")).to_contain_text("Attachments")


def test_files_attached_to_a_channel_message_are_shown_as_documents(ward, new_page):
    channel = ward["group"].channel
    page = new_page()
    log_in(page, "hugo.bernard@hopital.example")
    page.goto(f"/chat/{channel.id}/")
    composer = page.locator("form[data-chat-composer]").first
    composer.get_by_label("Attach files").set_input_files([PDF, IMAGE])
    expect(composer.locator("[data-chat-file-names]")).to_contain_text("Protocole sepsis.pdf")
    page.locator("#chat-body").fill("Voici le protocole")
    page.locator("#chat-body").press("Enter")

    message = page.locator("li.message", has_text="Voici le protocole").last
    expect(message.locator(".attachment-chip")).to_contain_text("Protocole sepsis.pdf")
    expect(message.locator(".attachment-image img")).to_have_attribute(
        "alt", "Affiche lavage des mains.png")
    expect(composer.locator("[data-chat-file-names]")).to_have_text("")
    pdf = Document.objects.get(name="Protocole sepsis.pdf")
    assert pdf.folder.is_attachments and pdf.group == ward["group"]
    assert pdf.message_attachments.get().message.body == "Voici le protocole"
    screenshot(page, "chat-message-with-attachments")
