"""Library pages: adapters that parse, call one service or selector, and render."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from documents import downloads, filetypes, permissions, previews, selectors, services
from documents.forms import DocumentForm, MoveForm
from documents.models import Document, Folder
from groups.models import Group
from groups.permissions import access_group

# --- Helpers ---------------------------------------------------------------------------------


def _library(request, slug: str) -> Group:
    return permissions.access_library(request.user, access_group(request.user, slug))


def _folder_url(group: Group, folder: Folder | None) -> str:
    if folder is None:
        return reverse("documents:library", args=[group.slug])
    return reverse("documents:folder", args=[group.slug, folder.id])


def _posted_folder(request, group: Group, key: str = "folder") -> Folder | None:
    value = request.POST.get(key, "")
    return permissions.access_folder(request.user, group, value) if value else None


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _refusal(request, error: Exception, fallback: str):
    """A refused write: JSON for the upload script (413 for a file too large), a message on
    the page the form came from otherwise."""
    if isinstance(error, PermissionDenied):
        detail, status = str(error) or _("You may not do this."), 403
    else:
        detail = " ".join(error.messages)
        status = 413 if isinstance(error, services.FileTooLarge) else 422
    if _wants_json(request):
        return JsonResponse({"detail": detail}, status=status)
    messages.error(request, detail)
    return redirect(fallback)


def upload_limits() -> dict:
    max_bytes = settings.RELAIS_LIMITS["upload_bytes"]
    return {"max_bytes": max_bytes,
            "max_size": _("%(size)s MB") % {"size": services.size_in_mb(max_bytes)},
            "max_files": settings.RELAIS_LIMITS["documents_per_upload"],
            "kinds": filetypes.allowed_labels()}


# --- Pages -----------------------------------------------------------------------------------

@login_required
def index(request):
    """My groups' libraries and their latest documents."""
    return render(request, "documents/index.html", {
        "recent": selectors.recent_documents(request.user),
        "libraries": selectors.libraries_for(request.user), "nav": "documents"})


@login_required
def library(request, slug, folder_id=None):
    group = _library(request, slug)
    folder = permissions.access_folder(request.user, group, folder_id) if folder_id else None
    page = selectors.folder_documents(group, folder, after=request.GET.get("after") or None,
                                      size=selectors.LIBRARY_PAGE_SIZE)
    context = {
        "group": group, "folder": folder, "path": selectors.breadcrumbs(folder),
        "documents": page.documents, "next_after": page.next_after,
        "folder_url": _folder_url(group, folder), "nav": "documents",
    }
    if request.htmx and request.GET.get("after"):
        return render(request, "documents/_document_rows.html", context)
    context["folders"] = selectors.subfolders(group, folder)
    if request.htmx:
        return render(request, "documents/_listing.html", context)
    context.update({
        "can_upload": permissions.can_upload(request.user, group),
        "can_open_trash": permissions.can_open_trash(request.user, group),
        "can_manage_folder": folder is not None
        and permissions.can_manage_folder(request.user, folder),
        "limits": upload_limits(),
    })
    return render(request, "documents/library.html", context)


@login_required
@require_POST
def upload(request, slug):
    """One or several files (the page's script sends one per request, to show each one's
    progress): JSON with the new rows for the script, a redirect for a plain form."""
    group = _library(request, slug)
    folder = _posted_folder(request, group)
    back = _folder_url(group, folder)
    try:
        result = services.upload_documents(uploader=request.user, group=group, folder=folder,
                                           files=request.FILES.getlist("files"))
    except (PermissionDenied, ValidationError) as error:
        return _refusal(request, error, back)
    if _wants_json(request):
        rows = [render_to_string("documents/_document_row.html", {"document": document},
                                 request=request) for document in result.documents]
        return JsonResponse({"rows": rows, "notices": result.notices,
                             "ids": [document.id for document in result.documents]},
                            status=201)
    count = len(result.documents)
    messages.success(request, ngettext("%(count)s document added.", "%(count)s documents added.",
                                       count) % {"count": count})
    for notice in result.notices:
        messages.info(request, notice)
    return redirect(back)


def _detail_context(request, document: Document, **forms) -> dict:
    version = document.current_version
    can_change = permissions.can_change(request.user, document)
    folders = selectors.folders_of(document.group) if can_change else []
    return {
        "document": document, "version": version, "group": document.group,
        "path": selectors.breadcrumbs(document.folder), "nav": "documents",
        "versions": selectors.versions_of(document), "preview": previews.preview(version),
        "attached_to": selectors.attached_to(request.user, document),
        "can_inline": downloads.can_show_inline(version), "can_change": can_change,
        "limits": upload_limits(), "trash_days": selectors.trash_days(),
        "form": forms.get("form") or DocumentForm(initial={
            "name": document.name, "description": document.description}),
        "move_form": forms.get("move_form") or MoveForm(
            folders=folders, initial={"folder": document.folder_id or ""}),
    }


@login_required
def document_detail(request, pk):
    document = permissions.access_document(request.user, pk)
    return render(request, "documents/detail.html", _detail_context(request, document))


@login_required
def download(request, pk, number=None):
    document = permissions.access_document(request.user, pk)
    version = permissions.access_version(document, number)
    return downloads.file_response(document, version, immutable=number is not None)


@login_required
def view_inline(request, pk, number=None):
    """The file shown by the browser itself (images, PDF, text), sandboxed."""
    document = permissions.access_document(request.user, pk)
    version = permissions.access_version(document, number)
    return downloads.file_response(document, version, inline=True,
                                   immutable=number is not None)


@login_required
@require_POST
def edit(request, pk):
    document = permissions.access_document(request.user, pk)
    permissions.check_can_change(request.user, document)
    form = DocumentForm(request.POST)
    if form.is_valid():
        try:
            services.update_document(actor=request.user, document=document,
                                     name=form.cleaned_data["name"],
                                     description=form.cleaned_data["description"])
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The document has been updated."))
            return redirect("documents:detail", document.id)
    document.refresh_from_db(fields=["name", "description"])
    return render(request, "documents/detail.html",
                  {**_detail_context(request, document, form=form), "editing": True},
                  status=422)


@login_required
@require_POST
def move(request, pk):
    document = permissions.access_document(request.user, pk)
    back = reverse("documents:detail", args=[document.id])
    try:
        folder = _posted_folder(request, document.group)
    except Http404:
        messages.error(request, _("There is no such folder in this library."))
        return redirect(back)
    try:
        services.move_document(actor=request.user, document=document, folder=folder)
    except (PermissionDenied, ValidationError) as error:
        return _refusal(request, error, back)
    messages.success(request, _("Moved to “%(folder)s”.")
                     % {"folder": folder.label if folder else _("the library's root")})
    return redirect(back)


@login_required
@require_POST
def new_version(request, pk):
    document = permissions.access_document(request.user, pk)
    back = reverse("documents:detail", args=[document.id])
    upload_file = request.FILES.get("file")
    try:
        if upload_file is None:
            raise ValidationError(_("Choose the file of the new version."))
        version = services.add_version(actor=request.user, document=document,
                                       upload=upload_file)
    except (PermissionDenied, ValidationError) as error:
        return _refusal(request, error, back)
    notices = [version.notice] if version.notice else []
    if _wants_json(request):
        return JsonResponse({"version": version.number, "notices": notices, "redirect": back},
                            status=201)
    messages.success(request, _("Version %(number)s added.") % {"number": version.number})
    for notice in notices:
        messages.info(request, notice)
    return redirect(back)


@login_required
@require_POST
def trash(request, pk):
    document = permissions.access_document(request.user, pk)
    services.trash_document(actor=request.user, document=document)
    messages.success(request, _("“%(name)s” is in the trash: it can be restored for %(days)s "
                                "days.") % {"name": document.name,
                                            "days": selectors.trash_days()})
    return redirect(_folder_url(document.group, document.folder))


@login_required
def trash_list(request, slug):
    group = _library(request, slug)
    permissions.check_can_open_trash(request.user, group)
    scope = permissions.trash_scope(request.user, group)
    documents = list(selectors.trash_of(group, uploaded_by=scope)[:500])
    for document in documents:
        document.purge_on = document.trashed_at + timedelta(days=selectors.trash_days())
    return render(request, "documents/trash.html", {
        "group": group, "documents": documents, "everyone": scope is None,
        "days": selectors.trash_days(), "nav": "documents"})


@login_required
@require_POST
def restore(request, pk):
    document = permissions.access_trashed_document(request.user, pk)
    back = reverse("documents:trash_list", args=[document.group.slug])
    try:
        services.restore_document(actor=request.user, document=document)
    except PermissionDenied as error:
        return _refusal(request, error, back)
    messages.success(request, _("“%(name)s” is back in the library.") % {"name": document.name})
    return redirect(back)


# --- Folders ---------------------------------------------------------------------------------

@login_required
@require_POST
def create_folder(request, slug):
    group = _library(request, slug)
    parent = _posted_folder(request, group, "parent")
    back = _folder_url(group, parent)
    try:
        folder = services.create_folder(actor=request.user, group=group, parent=parent,
                                        name=request.POST.get("name", ""))
    except (PermissionDenied, ValidationError) as error:
        return _refusal(request, error, back)
    messages.success(request, _("Folder “%(name)s” created.") % {"name": folder.name})
    return redirect(back)


@login_required
@require_POST
def rename_folder(request, slug, folder_id):
    group = _library(request, slug)
    folder = permissions.access_folder(request.user, group, folder_id)
    back = _folder_url(group, folder)
    try:
        services.rename_folder(actor=request.user, folder=folder,
                               name=request.POST.get("name", ""))
    except (PermissionDenied, ValidationError) as error:
        return _refusal(request, error, back)
    messages.success(request, _("The folder has been renamed."))
    return redirect(back)


@login_required
@require_POST
def delete_folder(request, slug, folder_id):
    group = _library(request, slug)
    folder = permissions.access_folder(request.user, group, folder_id)
    try:
        services.delete_folder(actor=request.user, folder=folder)
    except (PermissionDenied, ValidationError) as error:
        return _refusal(request, error, _folder_url(group, folder))
    messages.success(request, _("Folder “%(name)s” deleted.") % {"name": folder.name})
    return redirect(_folder_url(group, folder.parent))
