from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from documents import services
from documents.models import Document
from groups import services as group_services
from tests.conftest import make_user
from tests.documents.helpers import (
    ELF,
    add,
    docx_bytes,
    pdf_bytes,
    png_bytes,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_extraction")]

API = "/api/v1"


@pytest.fixture
def owner_api(user, api_client_for):
    """``user`` owns (administers) ``group``."""
    return api_client_for(user)


@pytest.fixture
def member_api(member, api_client_for):
    return api_client_for(member)


@pytest.fixture
def outsider_api(outsider, api_client_for):
    return api_client_for(outsider)


@pytest.fixture
def guest_api(guest, api_client_for):
    return api_client_for(guest)


@pytest.fixture
def staff_api(staff_user, api_client_for):
    return api_client_for(staff_user)


@pytest.fixture
def third(user, group):
    """Another plain member of ``group``: neither uploader nor admin."""
    person = make_user("lea.leroy@hopital.example", "Léa Leroy", language="en")
    group_services.add_member(actor=user, group=group, user=person)
    return person


@pytest.fixture
def third_api(third, api_client_for):
    return api_client_for(third)


def post_files(api, slug, *files, folder=None):
    data = {"files": list(files)}
    if folder is not None:
        data["folder"] = folder
    return api.post(f"{API}/groups/{slug}/documents", data)


# --- Anonymous -------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), [
    ("get", "/groups/cardiologie/documents"), ("post", "/groups/cardiologie/documents"),
    ("get", "/documents/1"), ("patch", "/documents/1"), ("delete", "/documents/1"),
    ("post", "/documents/1/versions"), ("get", "/documents/1/download"),
    ("post", "/documents/1/restore"), ("get", "/groups/cardiologie/documents/trash"),
    ("post", "/groups/cardiologie/folders"), ("patch", "/folders/1"), ("delete", "/folders/1"),
])
def test_anonymous_gets_401_everywhere(method, path, user, group):
    add(user, group)
    response = getattr(Client(), method)(f"{API}{path}")
    assert response.status_code == 401


# --- Listing ---------------------------------------------------------------------------------

def test_list_a_library_root_and_a_folder(member, member_api, group):
    folder = services.create_folder(actor=member, group=group, name="Protocols")
    root_doc = add(member, group, "root.pdf")
    inner = add(member, group, "inner.pdf", folder=folder)
    root = member_api.get(f"{API}/groups/{group.slug}/documents").json()
    assert [item["name"] for item in root["items"]] == ["root.pdf"]
    assert root["folder"] is None and root["path"] == []
    assert root["folders"] == [{"id": folder.id, "name": "Protocols", "parent_id": None,
                                "is_attachments": False,
                                "url": f"/groups/{group.slug}/documents/folders/{folder.id}/"}]
    item = root["items"][0]
    assert item == {
        "id": root_doc.id, "group": {"id": group.id, "slug": group.slug, "name": group.name},
        "folder_id": None, "name": "root.pdf", "description": "", "kind": "PDF document",
        "content_type": "application/pdf", "size": len(pdf_bytes()), "version": 1,
        "uploaded_by": {"id": member.id, "display_name": member.display_name},
        "created": item["created"], "updated": item["updated"],
        "extraction_status": "pending", "url": f"/documents/{root_doc.id}/",
        "download_url": f"/api/v1/documents/{root_doc.id}/download"}
    inside = member_api.get(f"{API}/groups/{group.slug}/documents",
                            {"folder": folder.id}).json()
    assert [i["id"] for i in inside["items"]] == [inner.id]
    assert inside["folder"]["id"] == folder.id and [p["id"] for p in inside["path"]] == [
        folder.id]


def test_list_pages_by_id_with_a_cursor(member, member_api, group):
    ids = [add(member, group, f"{n}.pdf").id for n in range(5)]
    first = member_api.get(f"{API}/groups/{group.slug}/documents", {"limit": 2}).json()
    second = member_api.get(f"{API}/groups/{group.slug}/documents",
                            {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = member_api.get(f"{API}/groups/{group.slug}/documents",
                           {"limit": 2, "cursor": second["next_cursor"]}).json()
    assert [i["id"] for p in (first, second, third) for i in p["items"]] == ids
    assert third["next_cursor"] is None and second["folders"] == []


@pytest.mark.parametrize("cursor", ["abc", "-1", "1" * 30, "²"])
def test_list_with_a_bad_cursor_is_400(member_api, group, cursor):
    response = member_api.get(f"{API}/groups/{group.slug}/documents", {"cursor": cursor})
    assert response.status_code == 400


def test_list_with_a_folder_of_another_group_is_404(user, member_api, group, private_group):
    elsewhere = services.create_folder(actor=user, group=private_group, name="Secret")
    response = member_api.get(f"{API}/groups/{group.slug}/documents", {"folder": elsewhere.id})
    assert response.status_code == 404


def test_a_public_library_is_readable_by_a_non_member(user, outsider_api, group):
    add(user, group)
    assert outsider_api.get(f"{API}/groups/{group.slug}/documents").status_code == 200


@pytest.mark.parametrize("who", ["outsider", "guest", "removed"])
def test_a_private_library_is_404_to_those_outside(who, user, private_group, outsider, guest,
                                                   other_user, api_client_for):
    group_services.add_member(actor=user, group=private_group, user=other_user)
    add(user, private_group)
    group_services.remove_member(actor=user, group=private_group, user=other_user)
    person = {"outsider": outsider, "guest": guest, "removed": other_user}[who]
    api = api_client_for(person)
    assert api.get(f"{API}/groups/{private_group.slug}/documents").status_code == 404
    document = Document.objects.get()
    for path in (f"/documents/{document.id}", f"/documents/{document.id}/download"):
        assert api.get(f"{API}{path}").status_code == 404


def test_guest_lists_and_reads_the_shared_library_only(user, guest_api, shared_group, group):
    shared = add(user, shared_group, "spec.pdf")
    public = add(user, group, "public.pdf")
    assert guest_api.get(f"{API}/groups/{shared_group.slug}/documents").status_code == 200
    assert guest_api.get(f"{API}/documents/{shared.id}").status_code == 200
    assert guest_api.get(f"{API}/groups/{group.slug}/documents").status_code == 404
    assert guest_api.get(f"{API}/documents/{public.id}").status_code == 404


# --- Upload ----------------------------------------------------------------------------------

def test_member_uploads_several_files(member_api, group, member):
    response = post_files(member_api, group.slug, upload("a.pdf", pdf_bytes()),
                          upload("b.png", png_bytes()))
    assert response.status_code == 201
    body = response.json()
    assert [i["name"] for i in body["items"]] == ["a.pdf", "b.png"]
    assert body["items"][1]["content_type"] == "image/png" and body["notices"] == []
    assert Document.objects.filter(uploaded_by=member).count() == 2


def test_upload_into_a_folder(member, member_api, group):
    folder = services.create_folder(actor=member, group=group, name="Forms")
    response = post_files(member_api, group.slug, upload("a.pdf", pdf_bytes()),
                          folder=folder.id)
    assert response.json()["items"][0]["folder_id"] == folder.id


def test_upload_into_a_folder_of_another_group_is_422(user, member_api, group, private_group):
    elsewhere = services.create_folder(actor=user, group=private_group, name="Secret")
    response = post_files(member_api, group.slug, upload("a.pdf", pdf_bytes()),
                          folder=elsewhere.id)
    assert response.status_code == 422
    assert response.json() == {"detail": {"folder": ["There is no such folder in this "
                                                     "library."]}}


def test_upload_too_large_is_413_naming_the_limit(member_api, group, settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "upload_bytes": 1_048_576}
    response = post_files(member_api, group.slug,
                          upload("scan.pdf", pdf_bytes() + b" " * 2_000_000))
    assert response.status_code == 413
    assert response.json()["detail"] == ("“scan.pdf” is too large (2 MB): files can be 1 MB at "
                                         "most.")


def test_upload_too_many_is_422_naming_the_limit(member_api, group, settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "documents_per_upload": 1}
    response = post_files(member_api, group.slug, upload("a.pdf", pdf_bytes()),
                          upload("b.pdf", pdf_bytes()))
    assert response.status_code == 422
    assert response.json()["detail"] == {"files": ["Upload 1 file at most at once (you chose "
                                                   "2)."]}


def test_upload_of_a_refused_type_and_a_lying_name(member_api, group):
    refused = post_files(member_api, group.slug, upload("tool.pdf", ELF))
    assert refused.status_code == 422
    assert "is not what its name says" in refused.json()["detail"]["files"][0]
    renamed = post_files(member_api, group.slug, upload("scan.pdf", png_bytes()))
    assert renamed.status_code == 201
    assert renamed.json()["items"][0]["name"] == "scan.png"
    assert "saved as “scan.png”" in renamed.json()["notices"][0]


def test_upload_without_files_is_422(member_api, group):
    assert member_api.post(f"{API}/groups/{group.slug}/documents", {}).status_code == 422


@pytest.mark.parametrize("who", ["outsider", "removed"])
def test_upload_to_a_public_group_one_is_not_in_is_403(who, user, group, outsider, other_user,
                                                       api_client_for):
    group_services.add_member(actor=user, group=group, user=other_user)
    group_services.remove_member(actor=user, group=group, user=other_user)
    api = api_client_for(outsider if who == "outsider" else other_user)
    response = post_files(api, group.slug, upload("a.pdf", pdf_bytes()))
    assert response.status_code == 403
    assert response.json()["detail"] == "Only members of the group can add documents to it."


def test_upload_by_a_guest_in_and_out_of_a_shared_group(guest_api, shared_group, group):
    assert post_files(guest_api, shared_group.slug,
                      upload("a.pdf", pdf_bytes())).status_code == 201
    assert post_files(guest_api, group.slug, upload("a.pdf", pdf_bytes())).status_code == 404


def test_upload_by_an_organisation_admin_to_any_group(staff_api, private_group):
    assert post_files(staff_api, private_group.slug,
                      upload("a.pdf", pdf_bytes())).status_code == 201


# --- One document ----------------------------------------------------------------------------

def test_get_a_document_with_its_versions(member, member_api, group):
    document = add(member, group, "rota.pdf")
    services.add_version(actor=member, document=document, upload=upload("rota.docx",
                                                                        docx_bytes()))
    body = member_api.get(f"{API}/documents/{document.id}").json()
    assert body["version"] == 2 and body["can_change"] is True
    assert body["kind"] == "Word document"
    assert [v["number"] for v in body["versions"]] == [2, 1]
    assert body["versions"][1]["name"] == "rota.pdf"
    assert body["versions"][1]["download_url"] == (
        f"/api/v1/documents/{document.id}/download?version=1")
    assert body["extraction_error"] == ""


def test_patch_renames_describes_and_moves(member, member_api, group):
    document = add(member, group)
    folder = services.create_folder(actor=member, group=group, name="Forms")
    response = member_api.patch_json(f"{API}/documents/{document.id}", {
        "name": "Sepsis.pdf", "description": "ER", "folder_id": folder.id})
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["folder_id"]) == ("Sepsis.pdf", "ER",
                                                                      folder.id)
    back = member_api.patch_json(f"{API}/documents/{document.id}", {"folder_id": None})
    assert back.json()["folder_id"] is None and back.json()["name"] == "Sepsis.pdf"


def test_patch_with_bad_input_is_422(member, member_api, group):
    document = add(member, group)
    assert member_api.patch_json(f"{API}/documents/{document.id}",
                                 {"name": " "}).status_code == 422
    assert member_api.patch_json(f"{API}/documents/{document.id}",
                                 {"name": "a\x00b"}).status_code == 422
    assert member_api.patch_json(f"{API}/documents/{document.id}",
                                 {"folder_id": 10**9}).status_code == 422


@pytest.mark.parametrize(("who", "status"), [
    ("uploader", 200), ("group_admin", 200), ("organisation_admin", 200), ("other_member", 403),
    ("non_member", 403),
])
def test_who_may_patch_a_document(who, status, member, group, member_api, owner_api, staff_api,
                                  third_api, outsider_api):
    document = add(member, group)
    api = {"uploader": member_api, "group_admin": owner_api, "organisation_admin": staff_api,
           "other_member": third_api, "non_member": outsider_api}[who]
    response = api.patch_json(f"{API}/documents/{document.id}", {"name": "Renamed.pdf"})
    assert response.status_code == status
    if status == 403:
        assert "uploaded this document" in response.json()["detail"]


@pytest.mark.parametrize(("who", "status"), [
    ("uploader", 204), ("group_admin", 204), ("organisation_admin", 204), ("other_member", 403),
    ("non_member", 403),
])
def test_who_may_delete_a_document(who, status, member, group, member_api, owner_api,
                                   staff_api, third_api, outsider_api):
    document = add(member, group)
    api = {"uploader": member_api, "group_admin": owner_api, "organisation_admin": staff_api,
           "other_member": third_api, "non_member": outsider_api}[who]
    assert api.delete(f"{API}/documents/{document.id}").status_code == status
    assert Document.objects.get(pk=document.pk).is_trashed == (status == 204)


def test_a_trashed_document_is_404_and_restorable(member, member_api, group):
    document = add(member, group)
    assert member_api.delete(f"{API}/documents/{document.id}").status_code == 204
    assert member_api.get(f"{API}/documents/{document.id}").status_code == 404
    trash = member_api.get(f"{API}/groups/{group.slug}/documents/trash").json()
    assert [i["id"] for i in trash["items"]] == [document.id]
    assert trash["items"][0]["trashed_by"]["id"] == member.id
    restored = member_api.post(f"{API}/documents/{document.id}/restore")
    assert restored.status_code == 200 and restored.json()["id"] == document.id


def test_restore_is_for_the_uploader_and_admins_within_the_period(member, group, member_api,
                                                                  owner_api, third_api):
    document = add(member, group)
    services.trash_document(actor=member, document=document)
    assert third_api.post(f"{API}/documents/{document.id}/restore").status_code == 403
    assert third_api.get(f"{API}/groups/{group.slug}/documents/trash").json()["items"] == []
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert member_api.post(f"{API}/documents/{document.id}/restore").status_code == 404
    assert owner_api.post(f"{API}/documents/{document.id}/restore").status_code == 200


def test_the_trash_of_a_library_one_is_not_in(outsider_api, group, private_group):
    assert outsider_api.get(f"{API}/groups/{group.slug}/documents/trash").status_code == 403
    assert outsider_api.get(
        f"{API}/groups/{private_group.slug}/documents/trash").status_code == 404


# --- Versions and downloads ------------------------------------------------------------------

def test_add_a_version(member, member_api, group):
    document = add(member, group, "rota.pdf")
    response = member_api.post(f"{API}/documents/{document.id}/versions",
                               {"file": upload("rota.pdf", pdf_bytes("v2"))})
    assert response.status_code == 201
    assert response.json()["number"] == 2


def test_add_a_version_refused_for_others_and_over_the_limit(member, group, member_api,
                                                             third_api, settings):
    document = add(member, group)
    assert third_api.post(f"{API}/documents/{document.id}/versions",
                          {"file": upload("b.pdf", pdf_bytes())}).status_code == 403
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "upload_bytes": 100}
    too_big = member_api.post(f"{API}/documents/{document.id}/versions",
                              {"file": upload("b.pdf", pdf_bytes())})
    assert too_big.status_code == 413 and "at most" in too_big.json()["detail"]
    assert member_api.post(f"{API}/documents/{document.id}/versions", {}).status_code == 422


def test_download_the_latest_or_a_given_version(member, member_api, group):
    document = add(member, group, "rota.pdf")
    services.add_version(actor=member, document=document, upload=upload("r.docx",
                                                                        docx_bytes()))
    latest = member_api.get(f"{API}/documents/{document.id}/download")
    assert latest.status_code == 200
    assert b"".join(latest.streaming_content) == docx_bytes()
    assert latest["Content-Disposition"].startswith("attachment;")
    assert latest["X-Content-Type-Options"] == "nosniff"
    first = member_api.get(f"{API}/documents/{document.id}/download", {"version": 1})
    assert b"".join(first.streaming_content) == pdf_bytes()
    assert member_api.get(f"{API}/documents/{document.id}/download",
                          {"version": 9}).status_code == 404


# --- Folders ---------------------------------------------------------------------------------

def test_folders_through_the_api(member, member_api, group, third_api):
    created = member_api.post_json(f"{API}/groups/{group.slug}/folders", {"name": "Forms"})
    assert created.status_code == 201
    folder_id = created.json()["id"]
    child = member_api.post_json(f"{API}/groups/{group.slug}/folders",
                                 {"name": "Old", "parent_id": folder_id})
    assert child.json()["parent_id"] == folder_id
    duplicate = member_api.post_json(f"{API}/groups/{group.slug}/folders", {"name": "forms"})
    assert duplicate.status_code == 422
    assert third_api.patch_json(f"{API}/folders/{folder_id}", {"name": "X"}).status_code == 403
    renamed = member_api.patch_json(f"{API}/folders/{folder_id}", {"name": "Forms 2025"})
    assert renamed.json()["name"] == "Forms 2025"
    assert member_api.delete(f"{API}/folders/{folder_id}").status_code == 422  # not empty
    assert member_api.delete(f"{API}/folders/{child.json()['id']}").status_code == 204
    assert member_api.delete(f"{API}/folders/{folder_id}").status_code == 204


def test_folders_of_hidden_groups_are_404(user, outsider_api, private_group):
    folder = services.create_folder(actor=user, group=private_group, name="Secret")
    assert outsider_api.patch_json(f"{API}/folders/{folder.id}",
                                   {"name": "Mine"}).status_code == 404
    assert outsider_api.delete(f"{API}/folders/{folder.id}").status_code == 404
    assert outsider_api.post_json(f"{API}/groups/{private_group.slug}/folders",
                                  {"name": "x"}).status_code == 404


def test_the_api_describes_the_document_endpoints(member_api):
    schema = member_api.get(f"{API}/openapi.json").json()
    for path in ("/api/v1/groups/{slug}/documents", "/api/v1/documents/{document_id}",
                 "/api/v1/documents/{document_id}/versions",
                 "/api/v1/documents/{document_id}/download"):
        assert path in schema["paths"]
