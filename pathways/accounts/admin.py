"""Administration of agencies, users and memberships: for administrators only, behind the second factor.

This is a separate admin site whose every permission comes from the access policy, and whose every
change is written to the audit log.
"""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from pathways.accounts.models import Agency, Membership, User
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.policy import Perm, actor_for, allows, second_factor_done


def _may_manage(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_authenticated
        and second_factor_done(user)
        and allows(actor_for(request), Perm.ACCOUNTS_MANAGE)
    )


class PathwaysAdminSite(admin.AdminSite):
    site_header = _("Pathways administration")
    site_title = _("Pathways administration")
    index_title = _("Agencies, users and roles")
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        return _may_manage(request)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return redirect("accounts:login")


admin_site = PathwaysAdminSite(name="admin")


class PolicyAdmin(admin.ModelAdmin):
    can_add = True

    def get_urls(self) -> list[URLPattern]:
        # A model that cannot be added here has no "add" page at all, rather than one that answers 403.
        urls = super().get_urls()
        return urls if self.can_add else [u for u in urls if not (u.name or "").endswith("_add")]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_manage(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_manage(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _may_manage(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_manage(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_manage(request)

    def _audit(self, request: HttpRequest, obj: Model, what: str) -> None:
        with transaction.atomic():
            audit.record(
                action=AuditAction.ADMIN_CHANGE,
                actor=actor_for(request),
                request=request,
                record_type=obj._meta.label_lower,
                record_id=obj.pk,
                details={"change": what},
            )

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        self._audit(request, obj, "added")
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        self._audit(request, obj, "changed")
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            self._audit(request, obj, "deleted")
        return super().log_deletions(request, queryset)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["agency"]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_manage(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


@admin.register(User, site=admin_site)
class PathwaysUserAdmin(PolicyAdmin, UserAdmin):
    list_display = ["username", "full_name", "email", "is_active", "last_login"]
    search_fields = ["username", "full_name", "email"]
    list_filter = ["is_active", "memberships__role"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "email")}),
        (_("Access"), {"fields": ("is_active",)}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("username", "full_name", "email", "password1", "password2")},
        ),
    )
    readonly_fields = ["last_login", "date_joined"]
    inlines = [MembershipInline]


@admin.register(Agency, site=admin_site)
class AgencyAdmin(PolicyAdmin):
    list_display = ["name_en", "type", "is_active"]
    list_filter = ["type", "is_active"]
    search_fields = ["name_en", "name_cy"]
    prepopulated_fields = {"slug": ("name_en",)}
    filter_horizontal = ["areas", "services"]


@admin.register(Membership, site=admin_site)
class MembershipAdmin(PolicyAdmin):
    list_display = ["user", "agency", "role", "is_active"]
    list_filter = ["role", "agency", "is_active"]
    autocomplete_fields = ["user", "agency"]


@admin.register(TOTPDevice, site=admin_site)
class SecondFactorAdmin(PolicyAdmin):
    """Deleting a device makes its owner set up a new one at their next sign-in."""

    list_display = ["user", "name", "confirmed"]
    fields = ["user", "name", "confirmed"]
    readonly_fields = ["user", "name", "confirmed"]
    can_add = False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False


@admin.register(StaticDevice, site=admin_site)
class BackupCodesAdmin(SecondFactorAdmin):
    pass


@admin.register(AccessAttempt, site=admin_site)
class LockoutAdmin(PolicyAdmin):
    """Deleting an attempt record unlocks that username before its cool-off ends."""

    list_display = ["username", "failures_since_start", "attempt_time"]
    fields = ["username", "failures_since_start", "attempt_time"]
    readonly_fields = ["username", "failures_since_start", "attempt_time"]
    can_add = False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False
