import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from documents import services
from documents.models import Document, DocumentVersion
from groups import services as group_services
from tests.conftest import client_for, make_user
from tests.documents.helpers import (
    ELF,
    add,
    docx_bytes,
    pdf_bytes,
    png_bytes,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_extraction")]

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def member_web(member):
    return client_for(member)


@pytest.fixture
def outsider_web(outsider):
    return client_for(outsider)


def library_url(group):
    return reverse("documents:library", args=[group.slug])


def upload_url(group):
    return reverse("documents:upload", args=[group.slug])


# --- Pages -----------------------------------------------------------------------------------

def test_the_documents_page_lists_my_libraries_and_recent_documents(member, member_web, group):
    add(member, group, "Protocole sepsis.pdf")
    page = member_web.get(reverse("documents"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Protocole sepsis.pdf" in html and library_url(group) in html
    assert reverse("documents:index") == reverse("documents") == "/documents/"


def test_the_group_page_links_to_its_library(member_web, group):
    assert library_url(group) in member_web.get(f"/groups/{group.slug}/").content.decode()


def test_member_sees_the_library_with_the_upload_zone(member, member_web, group):
    add(member, group, "Rota.pdf")
    folder = services.create_folder(actor=member, group=group, name="Protocols")
    html = member_web.get(library_url(group)).content.decode()
    assert "Rota.pdf" in html and "Protocols" in html
    assert "data-upload" in html and 'name="files"' in html
    assert reverse("documents:folder", args=[group.slug, folder.id]) in html


def test_a_non_member_reads_a_public_library_but_cannot_upload(user, outsider_web, group):
    add(user, group, "Rota.pdf")
    page = outsider_web.get(library_url(group))
    assert page.status_code == 200 and "Rota.pdf" in page.content.decode()
    assert "data-upload" not in page.content.decode()


@pytest.mark.parametrize("who", ["outsider", "guest", "removed"])
def test_a_private_library_is_404_to_those_outside(who, user, private_group, guest, outsider,
                                                   other_user):
    group_services.add_member(actor=user, group=private_group, user=other_user)
    group_services.remove_member(actor=user, group=private_group, user=other_user)
    person = {"outsider": outsider, "guest": guest, "removed": other_user}[who]
    assert client_for(person).get(library_url(private_group)).status_code == 404


def test_anonymous_is_sent_to_sign_in(anonymous_client, group):
    response = anonymous_client.get(library_url(group))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_guest_uploads_in_a_shared_library(guest, guest_client, shared_group):
    assert "data-upload" in guest_client.get(library_url(shared_group)).content.decode()
    response = guest_client.post(upload_url(shared_group),
                                 {"files": [upload("Spec.pdf", pdf_bytes())]}, **JSON)
    assert response.status_code == 201
    assert Document.objects.get().uploaded_by == guest


def test_a_folder_page_has_breadcrumbs_and_only_its_documents(member, member_web, group):
    protocols = services.create_folder(actor=member, group=group, name="Protocols")
    hygiene = services.create_folder(actor=member, group=group, name="Hygiene",
                                     parent=protocols)
    add(member, group, "inside.pdf", folder=hygiene)
    add(member, group, "outside.pdf")
    html = member_web.get(reverse("documents:folder", args=[group.slug, hygiene.id])) \
        .content.decode()
    assert "inside.pdf" in html and "outside.pdf" not in html
    start = html.index('class="doc-breadcrumb"')
    crumbs = html[start:html.index("</nav>", start)]
    assert re.findall(r"<li><a [^>]*>([^<]+)</a></li>", crumbs) == [
        "Cardiologie", "Documents", "Protocols", "Hygiene"]
    assert 'aria-current="page">Hygiene' in crumbs


def test_a_folder_of_another_group_is_404(user, member_web, group, private_group):
    elsewhere = services.create_folder(actor=user, group=private_group, name="Secret")
    url = reverse("documents:folder", args=[group.slug, elsewhere.id])
    assert member_web.get(url).status_code == 404


def test_more_documents_come_as_rows_for_the_show_more_button(member, member_web, group,
                                                              monkeypatch):
    from documents import selectors

    monkeypatch.setattr(selectors, "LIBRARY_PAGE_SIZE", 2)
    for name in ["a.pdf", "b.pdf", "c.pdf"]:
        add(member, group, name)
    html = member_web.get(library_url(group)).content.decode()
    assert "c.pdf" not in html and "Show more documents" in html
    after = f"b.pdf|{Document.objects.get(name='b.pdf').id}"
    assert f"?after={after.replace('|', '%7C')}" in html
    more = member_web.get(library_url(group), {"after": after},
                          HTTP_HX_REQUEST="true").content.decode()
    assert "c.pdf" in more and "b.pdf" not in more and "<html" not in more


# --- Upload ----------------------------------------------------------------------------------

def test_upload_answers_the_new_rows_for_the_script(member_web, group):
    response = member_web.post(upload_url(group), {"files": [upload("Rota.pdf", pdf_bytes())]},
                               **JSON)
    assert response.status_code == 201
    body = response.json()
    document = Document.objects.get()
    assert body["ids"] == [document.id] and body["notices"] == []
    assert f'id="document-{document.id}"' in body["rows"][0] and "Rota.pdf" in body["rows"][0]


def test_upload_into_a_folder(member, member_web, group):
    folder = services.create_folder(actor=member, group=group, name="Forms")
    member_web.post(upload_url(group), {"files": [upload("a.pdf", pdf_bytes())],
                                        "folder": folder.id}, **JSON)
    assert Document.objects.get().folder == folder


def test_upload_of_a_file_too_large_is_413_naming_the_limit(member_web, group, settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "upload_bytes": 2_097_152}
    response = member_web.post(upload_url(group), {
        "files": [upload("scan.pdf", pdf_bytes() + b" " * 3_000_000)]}, **JSON)
    assert response.status_code == 413
    assert response.json() == {"detail": "“scan.pdf” is too large (2.9 MB): files can be 2 MB "
                                         "at most."}


def test_upload_of_too_many_files_is_422_naming_the_limit(member_web, group, settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "documents_per_upload": 1}
    response = member_web.post(upload_url(group), {
        "files": [upload("a.pdf", pdf_bytes()), upload("b.pdf", pdf_bytes())]}, **JSON)
    assert response.status_code == 422
    assert response.json()["detail"] == "Upload 1 file at most at once (you chose 2)."


def test_upload_of_a_refused_type_is_422(member_web, group):
    response = member_web.post(upload_url(group), {"files": [upload("run.pdf", ELF)]}, **JSON)
    assert response.status_code == 422
    assert "is not what its name says" in response.json()["detail"]


def test_upload_with_a_lying_name_says_what_was_done(member_web, group):
    response = member_web.post(upload_url(group), {"files": [upload("x.pdf", png_bytes())]},
                               **JSON)
    assert response.status_code == 201
    assert "saved as “x.png”" in response.json()["notices"][0]


def test_upload_without_a_file_is_422(member_web, group):
    response = member_web.post(upload_url(group), {}, **JSON)
    assert response.status_code == 422 and "at least one file" in response.json()["detail"]


def test_upload_by_a_non_member_is_403_and_to_a_hidden_group_404(outsider_web, group,
                                                                 private_group):
    response = outsider_web.post(upload_url(group), {"files": [upload("a.pdf", pdf_bytes())]},
                                 **JSON)
    assert response.status_code == 403
    assert response.json()["detail"] == "Only members of the group can add documents to it."
    hidden = outsider_web.post(upload_url(private_group),
                               {"files": [upload("a.pdf", pdf_bytes())]}, **JSON)
    assert hidden.status_code == 404
    assert not Document.objects.exists()


def test_upload_without_script_redirects_with_messages(member_web, group):
    response = member_web.post(upload_url(group), {
        "files": [upload("a.pdf", pdf_bytes()), upload("b.pdf", png_bytes())]}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == library_url(group)
    assert "2 documents added." in html and "saved as “b.png”" in html
    refused = member_web.post(upload_url(group), {"files": [upload("x.exe", ELF)]},
                              follow=True).content.decode()
    assert "cannot be shared here" in refused


def test_upload_needs_post(member_web, group):
    assert member_web.get(upload_url(group)).status_code == 405


# --- The document page -----------------------------------------------------------------------

def detail(client, document):
    response = client.get(reverse("documents:detail", args=[document.id]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_image_is_previewed_from_the_inline_url(member, member_web, group):
    document = add(member, group, "xray.png", png_bytes())
    html = detail(member_web, document)
    assert f'<img class="doc-preview-image" src="/documents/{document.id}/versions/1/view/"' in html


def test_a_pdf_is_previewed_in_a_frame_the_page_policy_allows(member, member_web, group):
    document = add(member, group, "sepsis.pdf")
    response = member_web.get(reverse("documents:detail", args=[document.id]))
    assert f'<iframe class="doc-preview-frame" src="/documents/{document.id}/versions/1/view/"' \
        in response.content.decode()
    policy = response["Content-Security-Policy"]
    # Frames fall back to default-src 'self'; nothing narrows them.
    assert "default-src 'self'" in policy and "frame-src" not in policy
    assert "child-src" not in policy


def test_plain_text_is_shown_escaped(member, member_web, group):
    document = add(member, group, "notes.txt", "<script>alert(1)</script>\nLine two")
    html = detail(member_web, document)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\nLine two" in html
    assert "<script>alert(1)" not in html


def test_markdown_is_rendered_and_sanitised(member, member_web, group):
    document = add(member, group, "guide.md",
                   "# Hand hygiene\n\n**30 seconds**\n\n<script>alert(1)</script>"
                   "\n\n[x](javascript:alert(1))")
    html = detail(member_web, document)
    assert "<h1>Hand hygiene</h1>" in html and "<strong>30 seconds</strong>" in html
    assert "<script>alert(1)" not in html and "javascript:" not in html


def test_other_types_show_their_kind_size_and_text_excerpt(member, member_web, group,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = add(member, group, "rota.docx", docx_bytes())
    DocumentVersion.objects.filter(pk=document.current_version_id).update(
        extraction_status="done", text="Procédure hygiène des mains\n\nÉtape 1")
    html = detail(member_web, document)
    assert "Word document" in html and "Text excerpt" in html
    assert "Procédure hygiène des mains" in html


def test_an_extraction_failure_is_shown_with_its_reason(member, member_web, group):
    document = add(member, group, "locked.pdf")
    DocumentVersion.objects.filter(pk=document.current_version_id).update(
        extraction_status="failed", extraction_code="encrypted",
        extraction_error="The file is protected by a password, so its text cannot be read.")
    html = detail(member_web, document)
    assert "The text of this file could not be read" in html
    assert "The file is protected by a password" in html and "can be downloaded" in html


def test_pending_text_says_it_is_being_read(member, member_web, group):
    html = detail(member_web, add(member, group, "rota.docx", docx_bytes()))
    assert "is being read" in html


def test_versions_are_listed_each_downloadable(member, member_web, group):
    document = add(member, group, "rota.pdf")
    services.add_version(actor=member, document=document, upload=upload("rota2.pdf",
                                                                        pdf_bytes("v2")))
    html = detail(member_web, document)
    for number in (1, 2):
        assert f"/documents/{document.id}/versions/{number}/download/" in html
    assert "rota2.pdf" in html and "Current" in html


def test_tools_are_shown_to_those_who_may_change_the_document(user, member, group):
    document = add(member, group)
    assert "Move to the trash" in detail(client_for(member), document)
    assert "Move to the trash" in detail(client_for(user), document)
    third = make_user("lea.leroy@hopital.example", "Léa Leroy")
    group_services.add_member(actor=user, group=group, user=third)
    assert "Move to the trash" not in detail(client_for(third), document)


@pytest.mark.parametrize("who", ["outsider", "guest"])
def test_a_document_of_a_hidden_group_is_404(who, user, private_group, outsider, guest):
    document = add(user, private_group)
    person = outsider if who == "outsider" else guest
    client = client_for(person)
    for name in ("detail", "download", "view"):
        assert client.get(reverse(f"documents:{name}", args=[document.id])).status_code == 404


# --- Downloads -------------------------------------------------------------------------------

def test_download_is_an_attachment_with_nosniff_and_a_sandbox(member, member_web, group):
    document = add(member, group, "Protocole sepsis.pdf")
    response = member_web.get(reverse("documents:download", args=[document.id]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Protocole sepsis.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == "private, no-cache"


def test_inline_view_of_a_pdf_may_be_framed_by_relais_only(member, member_web, group):
    document = add(member, group, "sepsis.pdf")
    response = member_web.get(reverse("documents:version_view", args=[document.id, 1]))
    assert response["Content-Disposition"] == 'inline; filename="sepsis.pdf"'
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    assert "frame-ancestors 'self'" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Cache-Control"] == "private, max-age=3600"


def test_inline_view_of_a_word_file_is_still_a_download(member, member_web, group):
    document = add(member, group, "rota.docx", docx_bytes())
    response = member_web.get(reverse("documents:view", args=[document.id]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Frame-Options"] == "DENY"


def test_html_is_sent_as_plain_text(member, member_web, group):
    document = add(member, group, "page.html", "<script>alert(1)</script>")
    for name in ("view", "download"):
        response = member_web.get(reverse(f"documents:{name}", args=[document.id]))
        assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_markdown_shown_inline_is_plain_text_and_downloaded_as_markdown(member, member_web,
                                                                        group):
    document = add(member, group, "guide.md", "# Title")
    inline = member_web.get(reverse("documents:view", args=[document.id]))
    assert inline["Content-Type"] == "text/plain; charset=utf-8"
    download = member_web.get(reverse("documents:download", args=[document.id]))
    assert download["Content-Type"] == "text/markdown; charset=utf-8"


def test_a_name_with_accents_is_sent_encoded(member, member_web, group):
    document = add(member, group, "Procédure hygiène.pdf")
    response = member_web.get(reverse("documents:download", args=[document.id]))
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Proc%C3%A9dure%20hygi%C3%A8ne.pdf")


def test_each_version_is_downloadable_the_latest_by_default(member, member_web, group):
    document = add(member, group, "rota.pdf")
    services.add_version(actor=member, document=document,
                         upload=upload("rota.docx", docx_bytes()))
    latest = member_web.get(reverse("documents:download", args=[document.id]))
    assert b"".join(latest.streaming_content) == docx_bytes()
    first = member_web.get(reverse("documents:version_download", args=[document.id, 1]))
    assert b"".join(first.streaming_content) == pdf_bytes()
    # The earlier version keeps its own kind's extension.
    assert first["Content-Disposition"] == 'attachment; filename="rota.pdf"'
    assert member_web.get(reverse("documents:version_download",
                                  args=[document.id, 3])).status_code == 404


def test_a_trashed_document_is_not_downloadable(member, member_web, group):
    document = add(member, group)
    services.trash_document(actor=member, document=document)
    assert member_web.get(reverse("documents:download", args=[document.id])).status_code == 404


def test_behind_nginx_the_file_goes_through_x_accel_redirect(member, member_web, group,
                                                             settings):
    settings.RELAIS_X_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    document = add(member, group, "rota.pdf")
    response = member_web.get(reverse("documents:download", args=[document.id]))
    assert response["X-Accel-Redirect"] == f"/protected-media/{document.current_version.file.name}"
    assert response.content == b""
    assert response["Content-Disposition"] == 'attachment; filename="rota.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_anonymous_download_is_sent_to_sign_in(user, anonymous_client, group):
    document = add(user, group)
    response = anonymous_client.get(reverse("documents:download", args=[document.id]))
    assert response.status_code == 302


# --- Changes through the pages ---------------------------------------------------------------

def test_rename_and_describe(member, member_web, group):
    document = add(member, group)
    response = member_web.post(reverse("documents:edit", args=[document.id]),
                               {"name": "Sepsis 2025.pdf", "description": "For the ER."})
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.name, document.description) == ("Sepsis 2025.pdf", "For the ER.")


def test_a_description_too_long_shows_the_form_again_naming_the_limit(member, member_web, group,
                                                                     settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "document_description_chars": 5}
    document = add(member, group)
    response = member_web.post(reverse("documents:edit", args=[document.id]),
                               {"name": "New", "description": "far too long"})
    assert response.status_code == 422
    assert "5 characters at most" in response.content.decode()
    assert Document.objects.get(pk=document.pk).name != "New"


def test_move_into_a_folder_and_back(member, member_web, group):
    document = add(member, group)
    folder = services.create_folder(actor=member, group=group, name="Forms")
    member_web.post(reverse("documents:move", args=[document.id]), {"folder": folder.id})
    assert Document.objects.get(pk=document.pk).folder == folder
    member_web.post(reverse("documents:move", args=[document.id]), {"folder": ""})
    assert Document.objects.get(pk=document.pk).folder is None


def test_move_into_a_folder_of_another_group_is_refused(user, member, member_web, group,
                                                        private_group):
    document = add(member, group)
    elsewhere = services.create_folder(actor=user, group=private_group, name="Secret")
    response = member_web.post(reverse("documents:move", args=[document.id]),
                               {"folder": elsewhere.id}, follow=True)
    assert "no such folder" in response.content.decode()
    assert Document.objects.get(pk=document.pk).folder is None


def test_new_version_through_the_page(member, member_web, group):
    document = add(member, group, "rota.pdf")
    response = member_web.post(reverse("documents:new_version", args=[document.id]),
                               {"file": upload("rota.pdf", pdf_bytes("v2"))}, **JSON)
    assert response.status_code == 201
    assert response.json()["version"] == 2
    too_big = member_web.post(reverse("documents:new_version", args=[document.id]), {}, **JSON)
    assert too_big.status_code == 422


def test_trash_and_restore_through_the_pages(member, member_web, group):
    document = add(member, group, "rota.pdf")
    response = member_web.post(reverse("documents:trash", args=[document.id]), follow=True)
    assert "is in the trash" in response.content.decode()
    trash = member_web.get(reverse("documents:trash_list", args=[group.slug])).content.decode()
    assert "rota.pdf" in trash and "Restore" in trash
    purge_on = timezone.localtime(Document.objects.get(pk=document.pk).trashed_at
                                  + timedelta(days=30))
    assert f"deleted for good on {purge_on:%-d %b %Y}" in trash
    member_web.post(reverse("documents:restore", args=[document.id]))
    assert Document.objects.get(pk=document.pk).trashed_at is None


def test_another_member_may_not_trash_or_restore(user, member_web, group):
    document = add(user, group)
    assert member_web.post(reverse("documents:trash", args=[document.id])).status_code == 403
    services.trash_document(actor=user, document=document)
    # Not theirs: absent from their trash view, and restoring is refused.
    trash = member_web.get(reverse("documents:trash_list", args=[group.slug])).content.decode()
    assert "The trash is empty." in trash
    response = member_web.post(reverse("documents:restore", args=[document.id]), follow=True)
    assert "uploaded this document" in response.content.decode()
    assert Document.objects.get(pk=document.pk).trashed_at is not None


def test_the_trash_page_of_a_library_one_is_not_in(outsider_web, group, private_group):
    assert outsider_web.get(reverse("documents:trash_list",
                                    args=[group.slug])).status_code == 403
    assert outsider_web.get(reverse("documents:trash_list",
                                    args=[private_group.slug])).status_code == 404


def test_folders_through_the_pages(member, member_web, group):
    member_web.post(reverse("documents:create_folder", args=[group.slug]), {"name": "Forms"})
    folder = group.document_folders.get()
    member_web.post(reverse("documents:rename_folder", args=[group.slug, folder.id]),
                    {"name": "Forms 2025"})
    folder.refresh_from_db()
    assert folder.name == "Forms 2025"
    add(member, group, folder=folder)
    refused = member_web.post(reverse("documents:delete_folder", args=[group.slug, folder.id]),
                              follow=True)
    assert "Only an empty folder can be deleted" in refused.content.decode()
    duplicate = member_web.post(reverse("documents:create_folder", args=[group.slug]),
                                {"name": "forms 2025"}, follow=True)
    assert "already a folder named" in duplicate.content.decode()


def test_the_library_page_loads_the_upload_script(member_web, group):
    assert "relais/documents.js" in member_web.get(library_url(group)).content.decode()
