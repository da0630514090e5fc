from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from documents import extraction, selectors, services
from documents.models import Document, DocumentVersion, Folder
from documents.services import uploads
from groups import services as group_services
from groups.models import Group
from tests.conftest import make_user
from tests.documents.helpers import (
    ELF,
    add,
    docx_bytes,
    pdf_bytes,
    png_bytes,
    upload,
    zip_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_extraction")]


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- Upload ----------------------------------------------------------------------------------

def test_member_uploads_a_document_stored_under_a_random_name(member, group, sent_events):
    with sent_events.after_commit():
        result = services.upload_documents(uploader=member, group=group, files=[
            upload("Protocole sepsis.pdf", pdf_bytes(), content_type="image/gif")])
    document = result.documents[0]
    version = document.current_version
    assert (document.name, document.group, document.folder, document.uploaded_by) == (
        "Protocole sepsis.pdf", group, None, member)
    assert (version.number, version.content_type, version.original_name, version.size) == (
        1, "application/pdf", "Protocole sepsis.pdf", len(pdf_bytes()))
    assert version.file.name.startswith(f"documents/{group.id}/")
    assert "sepsis" not in version.file.name and "Protocole" not in version.file.name
    assert Path(version.file.path).read_bytes() == pdf_bytes()
    created = sent_events.of_type("document.created")
    assert [event["stream"] for event in created] == [f"group.{group.id}"]
    assert created[0]["data"]["document"] == {"id": document.id, "group_id": group.id,
                                              "folder_id": None, "version": 1}
    assert result.notices == []


def test_upload_reads_the_text_in_a_task_after_commit(member, group, fake_extraction,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = add(member, group, "Checklist.txt", "Hand hygiene: 30 seconds")
    version = DocumentVersion.objects.get(document=document)
    assert version.extraction_status == "done"
    assert version.text == "Hand hygiene: 30 seconds"
    assert version.extracted_at is not None
    assert fake_extraction == [(version.file.path, "text/plain")]


def test_several_files_are_uploaded_at_once_into_a_folder(member, group):
    folder = services.create_folder(actor=member, group=group, name="Protocoles")
    result = services.upload_documents(uploader=member, group=group, folder=folder, files=[
        upload("a.pdf", pdf_bytes()), upload("b.png", png_bytes()),
        upload("c.docx", docx_bytes()), upload("notes.md", "# Title"),
        upload("beds.csv", "bed,patient\n1,A\n")])
    kinds = {d.name: d.current_version.content_type for d in result.documents}
    assert kinds == {
        "a.pdf": "application/pdf", "b.png": "image/png",
        "c.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "notes.md": "text/markdown", "beds.csv": "text/csv"}
    assert {d.folder_id for d in result.documents} == {folder.id}


def test_guest_of_a_shared_group_uploads_to_it(guest, shared_group):
    document = add(guest, shared_group)
    assert document.uploaded_by == guest


@pytest.mark.parametrize("who", ["outsider", "guest", "removed", "inactive", "anonymous"])
def test_upload_fails_if_user_is_not_a_member(who, request, user, group, shared_group,
                                               outsider, guest, other_user):
    from django.contrib.auth.models import AnonymousUser

    target = group
    if who == "removed":
        group_services.add_member(actor=user, group=group, user=other_user)
        group_services.remove_member(actor=user, group=group, user=other_user)
        person = other_user
    elif who == "inactive":
        person = request.getfixturevalue("inactive_user")
    elif who == "anonymous":
        person = AnonymousUser()
    elif who == "guest":
        person = guest  # a member of shared_group, not of group
    else:
        person = outsider
    with pytest.raises(PermissionDenied):
        services.upload_documents(uploader=person, group=target,
                                  files=[upload("a.pdf", pdf_bytes())])
    assert not Document.objects.exists() and stored_files() == []


def test_guest_cannot_upload_once_the_group_is_closed_to_guests(user, guest, shared_group):
    group_services.update_group(actor=user, group=shared_group, allow_guests=False)
    with pytest.raises(PermissionDenied):
        add(guest, Group.objects.get(pk=shared_group.pk))


def test_organisation_admin_uploads_in_any_group(staff_user, private_group):
    assert add(staff_user, private_group).uploaded_by == staff_user


def test_upload_to_an_archived_group_fails(user, group):
    group_services.set_archived(actor=user, group=group, archived=True)
    with pytest.raises(PermissionDenied, match="archived"):
        add(user, group)


def test_upload_into_a_folder_of_another_group_fails(user, group, private_group):
    elsewhere = services.create_folder(actor=user, group=private_group, name="Secret")
    with pytest.raises(ValidationError) as error:
        add(user, group, folder=elsewhere)
    assert "folder" in error.value.message_dict


# --- Limits ----------------------------------------------------------------------------------

def test_a_file_too_large_is_refused_naming_the_limit(member, group, settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "upload_bytes": 1_048_576}
    big = upload("scan.pdf", pdf_bytes() + b" " * 1_100_000)
    with pytest.raises(services.FileTooLarge) as error:
        services.upload_documents(uploader=member, group=group, files=[big])
    assert error.value.messages == [
        "“scan.pdf” is too large (1.1 MB): files can be 1 MB at most."]
    assert stored_files() == []


def test_too_many_files_at_once_are_refused_naming_the_limit(member, group, settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "documents_per_upload": 2}
    files = [upload(f"{n}.pdf", pdf_bytes()) for n in range(3)]
    with pytest.raises(ValidationError) as error:
        services.upload_documents(uploader=member, group=group, files=files)
    assert error.value.message_dict == {
        "files": ["Upload 2 files at most at once (you chose 3)."]}


def test_a_refused_type_is_refused_with_the_accepted_kinds(member, group):
    with pytest.raises(ValidationError) as error:
        services.upload_documents(uploader=member, group=group, files=[
            upload("tool.exe", ELF)])
    [message] = error.value.messages
    assert message.startswith("“tool.exe” cannot be shared here: its content is of the kind "
                              "“Unknown binary file”. Accepted: PDF, PNG, JPG, GIF, WEBP, TXT, "
                              "MD, CSV, DOCX, ")


def test_a_zip_is_refused_by_default_and_accepted_when_configured(member, group, settings):
    with pytest.raises(ValidationError, match="ZIP archive"):
        add(member, group, "archive.zip", zip_bytes())
    settings.RELAIS_DOCUMENT_TYPES = [*settings.RELAIS_DOCUMENT_TYPES, "application/zip"]
    assert add(member, group, "archive.zip", zip_bytes()).current_version.content_type == (
        "application/zip")


def test_a_name_that_lies_is_stored_under_the_real_type(member, group):
    result = services.upload_documents(uploader=member, group=group, files=[
        upload("radio.pdf", png_bytes())])
    document = result.documents[0]
    assert document.name == "radio.png"
    assert document.current_version.content_type == "image/png"
    assert document.current_version.original_name == "radio.pdf"
    assert result.notices == ["“radio.pdf” is not what its name says: its content is of the "
                              "kind “PNG image”, so it was saved as “radio.png”."]


def test_a_name_that_lies_about_a_refused_type_is_refused_saying_so(member, group):
    with pytest.raises(ValidationError) as error:
        add(member, group, "invoice.pdf", ELF)
    assert error.value.messages[0].startswith(
        "“invoice.pdf” is not what its name says: its content is of the kind “Unknown binary "
        "file”, which cannot be shared here. Accepted: ")


def test_html_or_svg_is_kept_as_plain_text(member, group):
    document = add(member, group, "page.html", "<script>alert(1)</script>")
    assert document.current_version.content_type == "text/plain"
    assert document.name == "page.html"
    svg = add(member, group, "logo.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>')
    assert svg.current_version.content_type == "text/plain"


def test_a_name_with_percent_signs_is_named_in_the_refusal(member, group):
    with pytest.raises(ValidationError) as error:
        add(member, group, "50% %(name)s plan.exe", ELF)
    assert error.value.messages[0].startswith("“50% %(name)s plan.exe” cannot be shared here")


def test_an_empty_file_is_refused(member, group):
    with pytest.raises(ValidationError, match=r"“empty\.txt” is empty"):
        add(member, group, "empty.txt", b"")


def test_one_refused_file_refuses_the_whole_upload_and_names_each(member, group):
    with pytest.raises(ValidationError) as error:
        services.upload_documents(uploader=member, group=group, files=[
            upload("ok.pdf", pdf_bytes()), upload("bad.exe", ELF), upload("void.txt", b"")])
    messages = error.value.message_dict["files"]
    assert len(messages) == 2 and "bad.exe" in messages[0] and "void.txt" in messages[1]
    assert not Document.objects.exists() and stored_files() == []


def test_a_failure_while_storing_leaves_no_file_behind(member, group, monkeypatch):
    # Patched where upload_documents looks it up: documents.services re-exports only public names.
    original = uploads._store_version
    calls = []

    def store_then_fail(*args):
        calls.append(1)
        version = original(*args)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return version

    monkeypatch.setattr(uploads, "_store_version", store_then_fail)
    with pytest.raises(RuntimeError):
        services.upload_documents(uploader=member, group=group, files=[
            upload("a.pdf", pdf_bytes()), upload("b.pdf", pdf_bytes())])
    assert not Document.objects.exists() and stored_files() == []


def test_a_path_in_the_name_keeps_only_the_file_name(member, group):
    document = add(member, group, "..\\..\\etc/passwd\x07.txt", "x")
    assert document.name == "passwd .txt"


def test_a_name_already_in_the_folder_is_kept_with_a_notice(member, group):
    add(member, group, "Rota.pdf")
    result = services.upload_documents(uploader=member, group=group,
                                       files=[upload("Rota.pdf", pdf_bytes())])
    assert Document.objects.filter(name="Rota.pdf").count() == 2
    assert "A document named “Rota.pdf” was already here" in result.notices[0]


# --- Changes ---------------------------------------------------------------------------------

def test_uploader_renames_describes_and_moves(member, group, sent_events):
    document = add(member, group)
    folder = services.create_folder(actor=member, group=group, name="Protocols")
    with sent_events.after_commit():
        services.update_document(actor=member, document=document, name="  Sepsis  v2 ",
                                 description="For the ER.", folder=folder)
    document.refresh_from_db()
    assert (document.name, document.description, document.folder) == (
        "Sepsis v2", "For the ER.", folder)
    [event] = sent_events.of_type("document.updated")
    assert event["data"]["changed"] == ["name", "description", "folder"]


def test_moving_to_the_root_and_unchanged_values_send_nothing(member, group, sent_events):
    folder = services.create_folder(actor=member, group=group, name="Protocols")
    document = add(member, group, folder=folder)
    services.move_document(actor=member, document=document, folder=None)
    assert Document.objects.get(pk=document.pk).folder is None
    with sent_events.after_commit():
        services.rename_document(actor=member, document=document, name=document.name)
    assert sent_events.of_type("document.updated") == []


def test_moving_to_a_folder_of_another_group_fails(user, member, group, private_group):
    document = add(member, group)
    elsewhere = services.create_folder(actor=user, group=private_group, name="Secret")
    with pytest.raises(ValidationError) as error:
        services.move_document(actor=user, document=document, folder=elsewhere)
    assert "folder" in error.value.message_dict


@pytest.mark.parametrize(("name", "message"), [
    ("   ", "Give the document a name."),
    ("x" * 256, "A name can be 255 characters at most."),
])
def test_a_bad_name_is_refused(member, group, name, message):
    with pytest.raises(ValidationError, match=message):
        services.rename_document(actor=member, document=add(member, group), name=name)


def test_a_description_over_the_limit_is_refused_naming_it(member, group, settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "document_description_chars": 10}
    with pytest.raises(ValidationError, match="10 characters at most"):
        services.describe_document(actor=member, document=add(member, group),
                                   description="x" * 11)


def test_group_admin_changes_a_members_document(user, member, group):
    document = add(member, group)
    services.rename_document(actor=user, document=document, name="By the admin")
    assert Document.objects.get(pk=document.pk).name == "By the admin"


def test_another_member_cannot_change_a_document(user, member, group):
    document = add(user, group)
    with pytest.raises(PermissionDenied, match="uploaded this document"):
        services.rename_document(actor=member, document=document, name="Mine now")


def test_an_uploader_removed_from_the_group_cannot_change_their_document(user, member, group):
    document = add(member, group)
    group_services.remove_member(actor=user, group=group, user=member)
    with pytest.raises(PermissionDenied):
        services.rename_document(actor=member, document=document, name="Still mine?")


# --- Versions --------------------------------------------------------------------------------

def test_a_new_version_becomes_current_and_the_old_one_is_kept(user, member, group,
                                                               sent_events):
    document = add(member, group, "Rota.pdf")
    first = document.current_version
    with sent_events.after_commit():
        version = services.add_version(actor=user, document=document,
                                       upload=upload("rota-march.docx", docx_bytes()))
    document.refresh_from_db()
    assert version.number == 2 and document.current_version == version
    assert version.uploaded_by == user and version.original_name == "rota-march.docx"
    assert list(selectors.versions_of(document)) == [version, first]
    assert Path(first.file.path).read_bytes() == pdf_bytes()
    assert document.uploaded_by == member  # the document stays the uploader's
    [event] = sent_events.of_type("document.version_added")
    assert event["data"]["document"]["version"] == 2


def test_a_new_version_is_checked_like_an_upload(member, group, settings):
    document = add(member, group)
    with pytest.raises(ValidationError) as error:
        services.add_version(actor=member, document=document, upload=upload("x.exe", ELF))
    assert "file" in error.value.message_dict
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "upload_bytes": 10}
    with pytest.raises(services.FileTooLarge):
        services.add_version(actor=member, document=document, upload=upload("b.pdf",
                                                                            pdf_bytes()))
    assert document.versions.count() == 1


def test_a_new_version_by_another_member_is_refused(user, member, group):
    with pytest.raises(PermissionDenied):
        services.add_version(actor=member, document=add(user, group),
                             upload=upload("b.pdf", pdf_bytes()))


def test_a_new_version_has_its_text_read(member, group, django_capture_on_commit_callbacks):
    document = add(member, group, "notes.txt", "first")
    with django_capture_on_commit_callbacks(execute=True):
        version = services.add_version(actor=member, document=document,
                                       upload=upload("notes.txt", "second"))
    version.refresh_from_db()
    assert (version.text, version.extraction_status) == ("second", "done")


# --- Trash -----------------------------------------------------------------------------------

@pytest.mark.parametrize("actor", ["uploader", "group_admin", "staff_user"])
def test_trash_by_uploader_group_admin_or_organisation_admin(actor, request, user, member,
                                                             group, sent_events):
    document = add(member, group)
    person = {"uploader": member, "group_admin": user,
              "staff_user": request.getfixturevalue("staff_user")}[actor]
    with sent_events.after_commit():
        services.trash_document(actor=person, document=document)
    document.refresh_from_db()
    assert document.trashed_by == person and document.trashed_at is not None
    assert not selectors.visible_documents(user).filter(pk=document.pk).exists()
    assert sent_events.of_type("document.trashed")


def test_trash_by_another_member_is_refused(user, member, group):
    with pytest.raises(PermissionDenied):
        services.trash_document(actor=member, document=add(user, group))


def test_restore_within_the_retention_period(member, group, sent_events):
    document = add(member, group)
    services.trash_document(actor=member, document=document)
    with time_machine.travel(timezone.now() + timedelta(days=29)), sent_events.after_commit():
        services.restore_document(actor=member, document=document)
    document.refresh_from_db()
    assert document.trashed_at is None and document.trashed_by is None
    assert sent_events.of_type("document.restored")


def test_restore_after_the_retention_period_is_refused(member, group):
    document = add(member, group)
    services.trash_document(actor=member, document=document)
    with time_machine.travel(timezone.now() + timedelta(days=31)), \
            pytest.raises(PermissionDenied, match="more than 30 days ago"):
        services.restore_document(actor=member, document=document)


def test_restore_by_another_member_is_refused_and_by_an_admin_allowed(user, member, group,
                                                                       other_user):
    third = make_user("lea.leroy@hopital.example", "Léa Leroy")
    group_services.add_member(actor=user, group=group, user=third)
    document = add(member, group)
    services.trash_document(actor=member, document=document)
    with pytest.raises(PermissionDenied):
        services.restore_document(actor=third, document=document)
    services.restore_document(actor=user, document=document)


def test_purge_deletes_what_is_past_the_retention_period_with_its_files(
        member, group, django_capture_on_commit_callbacks):
    old = add(member, group, "old.pdf")
    services.add_version(actor=member, document=old, upload=upload("old2.pdf", pdf_bytes()))
    recent = add(member, group, "recent.pdf")
    kept = add(member, group, "kept.pdf")
    services.trash_document(actor=member, document=old)
    old_files = [Path(v.file.path) for v in old.versions.all()]
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        services.trash_document(actor=member, document=recent)
    with time_machine.travel(timezone.now() + timedelta(days=31)), \
            django_capture_on_commit_callbacks(execute=True):
        assert services.purge_trash() == 1
        assert services.purge_trash() == 0
    assert not Document.objects.filter(pk=old.pk).exists()
    assert not DocumentVersion.objects.filter(document_id=old.pk).exists()
    assert not any(path.exists() for path in old_files)
    assert Document.objects.filter(pk__in=[recent.pk, kept.pk]).count() == 2
    assert Path(kept.current_version.file.path).exists()


def test_the_purge_command_runs_the_same_sweep(member, group):
    from django.core.management import call_command

    document = add(member, group)
    services.trash_document(actor=member, document=document)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        call_command("purge_document_trash", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not Document.objects.filter(pk=document.pk).exists()


def test_trashing_queues_the_purge_for_when_the_time_is_up(member, group, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    from documents import tasks

    queued = []

    class DeferredTask:
        def get_backend(self):
            return type("Backend", (), {"supports_defer": True})()

        def using(self, **options):
            queued.append(options)
            return self

        def enqueue(self, *args):
            queued.append("enqueued")

    monkeypatch.setattr(tasks, "purge_document_trash", DeferredTask())
    document = add(member, group)
    with django_capture_on_commit_callbacks(execute=True):
        services.trash_document(actor=member, document=document)
    assert queued[1] == "enqueued"
    delay = queued[0]["run_after"] - document.trashed_at
    assert timedelta(days=30) < delay < timedelta(days=30, minutes=10)


# --- Folders ---------------------------------------------------------------------------------

def test_folders_nest_and_names_are_unique_among_siblings(member, group, sent_events):
    with sent_events.after_commit():
        protocols = services.create_folder(actor=member, group=group, name="Protocols")
    assert sent_events.of_type("folder.created")
    hygiene = services.create_folder(actor=member, group=group, name="Hygiene", parent=protocols)
    services.create_folder(actor=member, group=group, name="Hygiene")  # another parent
    with pytest.raises(ValidationError, match="already a folder named “hygiene”"):
        services.create_folder(actor=member, group=group, name="hygiene", parent=protocols)
    assert selectors.breadcrumbs(hygiene) == [protocols, hygiene]


def test_folders_nest_only_so_deep(member, group):
    parent = None
    for level in range(selectors.MAX_FOLDER_DEPTH):
        parent = services.create_folder(actor=member, group=group, name=f"L{level}",
                                        parent=parent)
    with pytest.raises(ValidationError, match="8 deep at most"):
        services.create_folder(actor=member, group=group, name="Too deep", parent=parent)


def test_creating_a_folder_needs_the_right_to_upload(group, outsider):
    with pytest.raises(PermissionDenied):
        services.create_folder(actor=outsider, group=group, name="Mine")


def test_folder_renamed_by_its_creator_or_an_admin_only(user, member, group):
    folder = services.create_folder(actor=member, group=group, name="Forms")
    services.rename_folder(actor=member, folder=folder, name="Forms 2025")
    services.rename_folder(actor=user, folder=folder, name="Forms (all)")
    third = make_user("lea.leroy@hopital.example", "Léa Leroy")
    group_services.add_member(actor=user, group=group, user=third)
    with pytest.raises(PermissionDenied):
        services.rename_folder(actor=third, folder=folder, name="Mine")
    assert Folder.objects.get(pk=folder.pk).name == "Forms (all)"


def test_only_an_empty_folder_is_deleted(member, group, sent_events):
    folder = services.create_folder(actor=member, group=group, name="Forms")
    document = add(member, group, folder=folder)
    with pytest.raises(ValidationError, match=r"documents: 1, folders: 0"):
        services.delete_folder(actor=member, folder=folder)
    services.trash_document(actor=member, document=document)
    folder_id = folder.id
    with sent_events.after_commit():
        services.delete_folder(actor=member, folder=folder)
    assert not Folder.objects.filter(pk=folder_id).exists()
    assert sent_events.of_type("folder.deleted")[0]["data"]["folder"]["id"] == folder_id
    # What was in the trash comes back at the root.
    services.restore_document(actor=member, document=Document.objects.get(pk=document.pk))
    assert Document.objects.get(pk=document.pk).folder is None


def test_the_attachments_folder_is_made_once_and_is_not_renamed_or_deleted(user, group):
    folder = services.attachments_folder(group)
    assert services.attachments_folder(group) == folder and folder.is_attachments
    services.create_folder(actor=user, group=group, name="Attachments")  # a user's own
    with pytest.raises(PermissionDenied):
        services.rename_folder(actor=user, folder=folder, name="Other")
    with pytest.raises(PermissionDenied):
        services.delete_folder(actor=user, folder=folder)
    with translation.override("fr"):
        assert str(folder.label) != "" and folder.name == "Attachments"


# --- Text extraction -------------------------------------------------------------------------

def test_extraction_failure_stores_the_code_and_the_reason(member, group, monkeypatch):
    document = add(member, group, "locked.pdf")
    version = document.current_version
    DocumentVersion.objects.filter(pk=version.pk).update(extraction_status="pending")

    def locked(path, content_type):
        raise extraction.ExtractionFailed("encrypted")

    monkeypatch.setattr(extraction, "extract", locked)
    assert services.extract_text(version.id) == "failed"
    version.refresh_from_db()
    assert (version.extraction_code, version.text) == ("encrypted", "")
    assert version.extraction_error == ("The file is protected by a password, so its text "
                                        "cannot be read.")
    assert version.extraction_reason == version.extraction_error


def test_an_unsupported_type_is_marked_so(member, group, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = add(member, group, "photo.png", png_bytes())
    document.current_version.refresh_from_db()
    assert document.current_version.extraction_status == "unsupported"
    assert document.current_version.extraction_reason == ""


def test_an_unexpected_error_while_reading_is_a_failure_with_a_reason(
        member, group, monkeypatch, django_capture_on_commit_callbacks):
    def crashing(path, content_type):
        raise ValueError("parser bug")

    monkeypatch.setattr(extraction, "extract", crashing)
    with django_capture_on_commit_callbacks(execute=True):
        version = add(member, group, "b.pdf").current_version
    version.refresh_from_db()
    assert version.extraction_status == "failed"
    assert version.extraction_reason == "The text of this file could not be read."


def test_extraction_runs_once(member, group, fake_extraction,
                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        version = add(member, group, "a.txt", "text").current_version
    assert len(fake_extraction) == 1
    assert services.extract_text(version.id) == "done"
    assert len(fake_extraction) == 1
    assert services.extract_text(10**9) is None


def test_the_extraction_command_reads_what_is_pending(member, group, fake_extraction):
    from django.core.management import call_command

    version = add(member, group, "a.txt", "text").current_version
    DocumentVersion.objects.filter(pk=version.pk).update(extraction_status="pending", text="")
    call_command("extract_document_text", stdout=open("/dev/null", "w"))  # noqa: SIM115
    version.refresh_from_db()
    assert (version.extraction_status, version.text) == ("done", "text")


def test_a_missing_file_is_a_failure_not_a_crash(member, group):
    version = add(member, group, "a.txt", "text").current_version
    Path(version.file.path).unlink()
    assert services.extract_text(version.id) == "failed"
