from django.contrib import admin

from groups.models import Group, GroupInvitation, JoinRequest, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "group"
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["joined_at", "added_by"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "visibility", "is_all_staff", "allow_guests", "archived_at"]
    list_filter = ["visibility", "is_all_staff", "allow_guests"]
    search_fields = ["name", "slug", "description"]
    readonly_fields = ["created", "updated", "created_by"]
    inlines = [MembershipInline]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["group", "user", "status", "created", "decided_by"]
    list_filter = ["status"]


@admin.register(GroupInvitation)
class GroupInvitationAdmin(admin.ModelAdmin):
    list_display = ["group", "email", "role", "invited_by", "created", "accepted_at"]
    search_fields = ["email"]
