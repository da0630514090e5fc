from django.contrib import admin

from network.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: the event log is written by services and pruned by a task."""

    list_display = ["id", "type", "stream", "created"]
    list_filter = ["type"]
    search_fields = ["stream"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
