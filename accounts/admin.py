from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts import search_index
from accounts.models import ApiToken, Invitation, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["display_name"]
    list_display = ["display_name", "email", "job_title", "department", "kind", "is_staff",
                    "is_active"]
    list_filter = ["kind", "is_staff", "is_active", "department"]
    search_fields = ["display_name", "email", "job_title", "department"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["display_name", "job_title", "department", "phone", "avatar",
                                   "language", "time_zone"]}),
        (_("Access"), {"fields": ["kind", "is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"],
                             "fields": ["email", "display_name", "kind", "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A name changed or an account deactivated here is found (or not) in search at once.
        search_index.index_person(obj)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created", "last_used_at", "revoked_at"]
    search_fields = ["name", "user__email", "prefix"]
    readonly_fields = ["user", "prefix", "secret_hash", "created", "last_used_at"]
    exclude = []


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "kind", "invited_by", "created", "expires_at", "accepted_at"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "invited_by", "created", "accepted_at", "accepted_by"]
