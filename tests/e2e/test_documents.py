"""A group library in a real browser: upload with a progress bar per file, the new row in the
listing without a reload, and the document's preview."""

import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from documents import services
from documents.models import Document
from groups import services as group_services
from tests.conftest import make_user
from tests.documents.helpers import docx_bytes, pdf_bytes, png_bytes, upload
from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

# Slow enough for the bar to be seen moving, small enough for a quick test.
PADDED_PDF = pdf_bytes("Protocole sepsis: antibiotiques dans l'heure", padding=1_200_000)
UPLOAD_BYTES_PER_SECOND = 400 * 1024


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Date", "Garde"])
    workbook.active.append(["03/03", "Dr Martin"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def ward(db):
    sophie = make_user("sophie.dubois@hopital.example", "Sophie Dubois", job_title="Cadre",
                       department="Cardiologie", language="en")
    hugo = make_user("hugo.bernard@hopital.example", "Hugo Bernard", job_title="Infirmier",
                     department="Cardiologie", language="en")
    group = group_services.create_group(creator=sophie, name="Cardiologie")
    group_services.add_member(actor=sophie, group=group, user=hugo)
    protocols = services.create_folder(actor=sophie, group=group, name="Protocoles")
    services.create_folder(actor=hugo, group=group, name="Formulaires")
    for person, name, content in (
            (sophie, "Procédure hygiène des mains.docx", docx_bytes()),
            (hugo, "Planning des gardes mars.xlsx", xlsx_bytes()),
            (sophie, "Affiche lavage des mains.png", png_bytes((800, 600))),
            (hugo, "Compte rendu réunion.md", "# Réunion\n\n- **Hygiène**: audit en avril")):
        services.upload_documents(uploader=person, group=group, files=[upload(name, content)])
    services.upload_documents(uploader=sophie, group=group, folder=protocols,
                              files=[upload("Check-list pose de cathéter.pdf", pdf_bytes())])
    return {"sophie": sophie, "hugo": hugo, "group": group}


def test_upload_with_progress_then_preview(ward, page):
    log_in(page, "hugo.bernard@hopital.example")
    page.goto("/groups/cardiologie/")
    page.get_by_role("link", name="Documents", exact=True).last.click()
    expect(page.get_by_role("heading", name="Documents", level=1)).to_be_visible()
    expect(page.locator(".doc-rows")).to_contain_text("Procédure hygiène des mains.docx")

    # A slow uplink, so the bar is seen moving.
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 20, "downloadThroughput": -1,
        "uploadThroughput": UPLOAD_BYTES_PER_SECOND})
    page.locator("[data-upload-input]").set_input_files([{
        "name": "Protocole sepsis.pdf", "mimeType": "application/pdf", "buffer": PADDED_PDF}])
    item = page.locator(".upload-item").filter(has_text="Protocole sepsis.pdf")
    bar = item.get_by_role("progressbar", name="Uploading Protocole sepsis.pdf")
    expect(bar).to_be_visible()
    page.wait_for_function("""() => { const bar = document.querySelector('.upload-item progress');
        return bar && bar.value > 0 && bar.value < 100; }""")
    screenshot(page, "documents-uploading")
    expect(item).to_have_attribute("data-state", "done", timeout=20_000)
    expect(item).to_contain_text("Uploaded")
    network.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})

    # The server's row is in the listing, in name order, without a reload.
    rows = page.locator(".doc-rows > .doc-row:not(.doc-folder-row) .doc-row-name")
    expect(rows).to_have_text(["Affiche lavage des mains.png", "Compte rendu réunion.md",
                               "Planning des gardes mars.xlsx", "Procédure hygiène des mains.docx",
                               "Protocole sepsis.pdf"])
    expect(page.locator("#live-status")).to_have_text("Protocole sepsis.pdf uploaded.")
    document = Document.objects.get(name="Protocole sepsis.pdf")
    assert document.uploaded_by == ward["hugo"]
    assert document.current_version.content_type == "application/pdf"

    # Two more by dropping them on the page; one refused, named, with the reason.
    drop = page.evaluate_handle("""() => {
        const transfer = new DataTransfer();
        transfer.items.add(new File(["# Fiche\\n\\nNotes"], "Fiche réflexe.md",
                                    {type: "text/markdown"}));
        transfer.items.add(new File([new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0])],
                                    "outil.pdf", {type: "application/pdf"}));
        return transfer; }""")
    page.locator("[data-drop-zone]").dispatch_event("drop", {"dataTransfer": drop})
    refused = page.locator(".upload-item").filter(has_text="outil.pdf")
    expect(refused).to_have_attribute("data-state", "failed")
    expect(refused).to_contain_text("is not what its name says")
    expect(page.locator(".doc-rows")).to_contain_text("Fiche réflexe.md")
    dropped = page.locator(".upload-item").filter(has_text="Fiche réflexe.md")
    expect(dropped).to_have_attribute("data-state", "done")
    assert dropped.locator("progress").evaluate("(bar) => bar.value") == 100
    page.wait_for_timeout(800)  # the browser eases the bar to its end
    screenshot(page, "documents-library")

    # The preview: the browser's own PDF viewer, from the access-checked inline URL.
    with page.expect_response(re.compile(r"/documents/\d+/versions/1/view/$")) as inline:
        page.locator(".doc-row-link", has_text="Protocole sepsis.pdf").click()
    response = inline.value
    headers = response.all_headers()
    assert response.status == 200 and headers["content-type"] == "application/pdf"
    assert "sandbox" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    expect(page.get_by_role("heading", name="Protocole sepsis.pdf", level=1)).to_be_visible()
    expect(page.locator("iframe.doc-preview-frame")).to_be_visible()
    expect(page.locator(".version-rows")).to_contain_text("Protocole sepsis.pdf")
    page.wait_for_timeout(1500)  # the viewer draws the page
    screenshot(page, "documents-preview")


def test_previews_new_version_trash_and_restore(ward, page):
    log_in(page, "sophie.dubois@hopital.example")
    markdown = Document.objects.get(name="Compte rendu réunion.md")
    page.goto(f"/documents/{markdown.id}/")
    expect(page.locator(".doc-preview-markdown strong")).to_have_text("Hygiène")

    image = Document.objects.get(name="Affiche lavage des mains.png")
    page.goto(f"/documents/{image.id}/")
    preview = page.get_by_role("img", name="Preview of Affiche lavage des mains.png")
    expect(preview).to_be_visible()
    assert preview.evaluate("(img) => img.naturalWidth") == 800
    screenshot(page, "documents-image-preview")

    # A new version, sent with its own progress bar; the page then shows it as current.
    page.get_by_text("New version", exact=True).click()
    page.get_by_label("The new file").set_input_files([{
        "name": "Affiche 2025.png", "mimeType": "image/png", "buffer": png_bytes((640, 480))}])
    page.get_by_role("button", name="Upload the new version").click()
    expect(page.locator(".doc-header-meta")).to_contain_text("version 2")
    expect(page.locator(".version-rows > li")).to_have_count(2)
    expect(page.locator(".version-rows > li").first).to_contain_text("Current")

    # Into the trash and back.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Move to the trash").click()
    expect(page.locator(".flash-success")).to_contain_text("is in the trash")
    expect(page.locator(".doc-rows")).not_to_contain_text("Affiche lavage des mains.png")
    page.get_by_role("link", name="Trash").click()
    expect(page.locator(".doc-rows")).to_contain_text("Affiche lavage des mains.png")
    screenshot(page, "documents-trash")
    page.get_by_role("button", name="Restore Affiche lavage des mains.png").click()
    expect(page.locator(".flash-success")).to_contain_text("is back in the library")

    page.goto("/documents/")
    expect(page.get_by_role("heading", name="Recently added or updated")).to_be_visible()
    expect(page.locator(".documents-home")).to_contain_text("Affiche lavage des mains.png")
    screenshot(page, "documents-home")


def test_upload_a_pdf_then_find_a_word_only_inside_it_and_open_the_result(ward, page):
    log_in(page, "hugo.bernard@hopital.example")
    page.goto("/groups/cardiologie/documents/")
    page.locator("[data-upload-input]").set_input_files([{
        "name": "Antibioprophylaxie.pdf", "mimeType": "application/pdf",
        "buffer": pdf_bytes("Administrer la vancomycine avant incision", padding=300_000)}])
    item = page.locator(".upload-item").filter(has_text="Antibioprophylaxie.pdf")
    expect(item.get_by_role("progressbar")).to_be_visible()
    expect(item).to_have_attribute("data-state", "done", timeout=20_000)

    # "vancomycine" is in the file's text only, not in its name or description.
    page.locator("#topbar-q").fill("vancomycine")
    page.locator("#topbar-q").press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=vancomycine"))
    result = page.locator(".search-result", has_text="Antibioprophylaxie.pdf")
    expect(result).to_have_count(1)
    expect(result.locator("mark")).to_have_text(re.compile("vancomycine", re.IGNORECASE))
    result.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Antibioprophylaxie.pdf", level=1)).to_be_visible()
