"""The admin shows libraries for support; changes go through the pages and the API, whose
services check permissions, keep files and events consistent, and read the text."""

from django.contrib import admin

from documents.models import Document, DocumentVersion, Folder


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class VersionInline(admin.TabularInline):
    model = DocumentVersion
    extra = 0
    fields = ["number", "original_name", "content_type", "size", "uploaded_by", "created",
              "extraction_status", "extraction_error"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["name", "group", "folder", "uploaded_by", "updated", "trashed_at"]
    list_filter = [("trashed_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "description", "group__name"]
    list_select_related = ["group", "folder", "uploaded_by"]
    inlines = [VersionInline]


@admin.register(Folder)
class FolderAdmin(ReadOnlyAdmin):
    list_display = ["name", "group", "parent", "is_attachments", "created_by", "created"]
    search_fields = ["name", "group__name"]
    list_select_related = ["group", "parent", "created_by"]


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "document", "number", "content_type", "size",
                    "extraction_status", "created"]
    list_filter = ["extraction_status", "content_type"]
    search_fields = ["original_name", "document__name"]
    list_select_related = ["document"]
