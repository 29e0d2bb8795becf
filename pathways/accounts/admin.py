"""Administration of agencies, users and memberships: for administrators only, behind the second factor.

This is a separate admin site whose every permission comes from the access policy, and whose every
change is written to the audit log.

No one grants themself access, and no one alone takes an account over: here an administrator can only
take access away (remove or deactivate a membership, deactivate an account) or give a role that
reaches no personal data. Giving any other role, reactivating an account, and resetting a password or a
second factor are asked for on the account changes pages and made when a second administrator approves
(pathways.accounts.services.account_change_*). An administrator's own account and memberships are
read-only here.
"""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, reverse
from django.utils.translation import gettext_lazy as _

from pathways.accounts.models import Agency, AuthenticatorApp, BackupCodeSet, Membership, User
from pathways.accounts.selectors import account_changes_pending
from pathways.accounts.services import membership_direct_change_problem, reactivation_needs_approval
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.policy import Actor, Perm, actor_for, allows, second_factor_done


def _may_manage(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_authenticated
        and second_factor_done(user)
        and allows(actor_for(request), Perm.ACCOUNTS_MANAGE)
    )


def _is_own(request: HttpRequest, user_id: Any) -> bool:
    return bool(user_id is not None and user_id == getattr(request.user, "pk", None))


class PathwaysAdminSite(admin.AdminSite):
    site_header = _("Pathways administration")
    site_title = _("Pathways administration")
    index_title = _("Agencies, users and roles")
    index_template = "admin/pathways_index.html"
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        return _may_manage(request)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return redirect("accounts:login")

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[Any]:
        # django-axes names its app in English only.
        apps = super().get_app_list(request, app_label)
        for app in apps:
            if app["app_label"] == "axes":
                app["name"] = _("Sign-in lockouts")
        return apps

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        waiting = account_changes_pending().count()
        return super().index(request, {**(extra_context or {}), "account_changes_waiting": waiting})


admin_site = PathwaysAdminSite(name="admin")


class PolicyAdmin(admin.ModelAdmin):
    can_add = True
    can_delete = True

    def get_urls(self) -> list[URLPattern]:
        # A model that cannot be added (or deleted) here has no such page at all, rather than one that
        # answers 403.
        dropped = tuple(([] if self.can_add else ["_add"]) + ([] if self.can_delete else ["_delete"]))
        return [u for u in super().get_urls() if not (u.name or "").endswith(dropped)]

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
            audit.entry_record(
                action=AuditAction.ADMIN_CHANGE,
                actor=actor_for(request),
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
    """Read-only: memberships are given on the account changes pages, or in the membership admin."""

    model = Membership
    extra = 0
    fields = ["agency", "role", "is_active"]
    readonly_fields = ["agency", "role", "is_active"]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_manage(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AccountDetailsForm(UserChangeForm):
    """The account's details. No password here: resets go through a second administrator."""

    password = None  # type: ignore[assignment]

    def clean_is_active(self) -> bool:
        is_active = bool(self.cleaned_data.get("is_active"))
        was_active = User.objects.filter(pk=self.instance.pk).values_list("is_active", flat=True).first()
        if is_active and was_active is False and reactivation_needs_approval(user=self.instance):
            raise ValidationError(
                _(
                    "This account has roles that need a second administrator's approval, so reactivating it "
                    "needs one too. Ask for it on the account changes page: %(url)s"
                )
                % {"url": reverse("accounts:change_new") + f"?user={self.instance.pk}&kind=reactivate"}
            )
        return is_active


@admin.register(User, site=admin_site)
class PathwaysUserAdmin(PolicyAdmin, UserAdmin):
    """Accounts are deactivated, never deleted, so that the names in the audit log keep their meaning.

    An administrator's own account is read-only here.
    """

    form = AccountDetailsForm
    list_display = ["username", "full_name", "email", "is_active", "last_login"]
    search_fields = ["username", "full_name", "email"]
    list_filter = ["is_active", "memberships__role"]
    fieldsets = (
        (None, {"fields": ("username",)}),
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
    can_delete = False

    def get_urls(self) -> list[URLPattern]:
        # Setting someone's password is a reset, which needs a second administrator: no page for it here.
        return [u for u in super().get_urls() if u.name != "auth_user_password_change"]

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        raise PermissionDenied

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_manage(request) and not (obj is not None and _is_own(request, obj.pk))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Agency, site=admin_site)
class AgencyAdmin(PolicyAdmin):
    list_display = ["name_en", "type", "is_active"]
    list_filter = ["type", "is_active"]
    search_fields = ["name_en", "name_cy"]
    prepopulated_fields = {"slug": ("name_en",)}
    # The areas an agency covers and the services it runs are added by pathways.directory.admin, which
    # owns those links.


class MembershipForm(forms.ModelForm):
    """Refuses a membership change that must go through a second administrator (see the module docstring)."""

    actor: Actor

    class Meta:
        model = Membership
        fields = ["user", "agency", "role", "is_active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        before = None if self.instance._state.adding else Membership.objects.get(pk=self.instance.pk)
        user = data.get("user") or (before.user if before else None)
        agency = data.get("agency") or (before.agency if before else None)
        role = data.get("role")
        if user is None or agency is None or not role:
            return data
        problem = membership_direct_change_problem(
            actor=self.actor,
            user=user,
            agency=agency,
            role=role,
            is_active=bool(data.get("is_active")),
            before=before,
        )
        if problem:
            raise ValidationError(problem)
        return data


@admin.register(Membership, site=admin_site)
class MembershipAdmin(PolicyAdmin):
    """Roles that reach no personal data are given here; the others on the account changes pages.

    A membership's user and agency never change: moving someone to another agency is a new role there.
    """

    form = MembershipForm
    list_display = ["user", "agency", "role", "is_active"]
    list_filter = ["role", "agency", "is_active"]
    autocomplete_fields = ["user", "agency"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": actor_for(request)})

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["user", "agency"] if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_manage(request) and not (obj is not None and _is_own(request, obj.user_id))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_manage(request) and not (obj is not None and _is_own(request, obj.user_id))


@admin.register(AuthenticatorApp, site=admin_site)
class SecondFactorAdmin(PolicyAdmin):
    """To be seen, not changed (every field is read-only) and not deleted: a reset is asked for on the
    account changes pages and made when a second administrator approves it. The owner then sets up a new
    device at their next sign-in."""

    list_display = ["device_user", "device_name", "device_confirmed"]
    fields = ["device_user", "device_name", "device_confirmed"]
    readonly_fields = ["device_user", "device_name", "device_confirmed"]
    can_add = False
    can_delete = False

    @admin.display(description=_("Account"), ordering="user__username")
    def device_user(self, device: Any) -> str:
        return str(device.user)

    @admin.display(description=_("Name"))
    def device_name(self, device: Any) -> str:
        return str(device.name)

    @admin.display(description=_("Set up"), boolean=True)
    def device_confirmed(self, device: Any) -> bool:
        return bool(device.confirmed)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BackupCodeSet, site=admin_site)
class BackupCodesAdmin(SecondFactorAdmin):
    pass


@admin.register(AccessAttempt, site=admin_site)
class LockoutAdmin(PolicyAdmin):
    """Deleting an attempt record unlocks that username before its cool-off ends; never one's own."""

    list_display = ["username", "failures_since_start", "attempt_time"]
    fields = ["username", "failures_since_start", "attempt_time"]
    readonly_fields = ["username", "failures_since_start", "attempt_time"]
    can_add = False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        own = obj is not None and obj.username == getattr(request.user, "username", None)
        return _may_manage(request) and not own
