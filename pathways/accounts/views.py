from __future__ import annotations

import base64
import io
import time
import uuid
from typing import Any, cast

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.models import Device

from pathways.accounts import selectors, services
from pathways.accounts.choices import ChangeKind, ChangeStatus
from pathways.accounts.forms import (
    AccountChangeForm,
    ApiClientForm,
    ApiTokenForm,
    CodeForm,
    DecisionForm,
    EnrolForm,
    GovukPasswordChangeForm,
    LoginForm,
    MembershipChoiceForm,
)
from pathways.accounts.middleware import SESSION_LAST_SEEN, SESSION_MEMBERSHIP, SESSION_STARTED
from pathways.accounts.models import User
from pathways.accounts.selectors import memberships_active, memberships_usable, memberships_withheld
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.access import Role
from pathways.core.policy import actor_for, requires_second_factor, second_factor_done
from pathways.core.views import first_page

NEXT_KEY = "pathways_next"


def _user(request: HttpRequest) -> User:
    """The signed-in user; the access policy has already refused anonymous requests to these views."""
    return cast(User, request.user)


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
    *args: Any,
    **kwargs: Any,
) -> HttpResponse:
    """Shown for a locked username, whether or not the account exists (no account enumeration).

    django-axes calls this as `(request, original_response, credentials)`.
    """
    username = credentials.get("username", "") if isinstance(credentials, dict) else ""
    with transaction.atomic():
        audit.entry_record(action=AuditAction.LOCKED_OUT, username=str(username)[:150])
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked.html", {"minutes": minutes}, status=429)


def _safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, {request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _after_password(request: HttpRequest, user: User) -> HttpResponse:
    if services.totp_confirmed(user=user) is not None:
        return redirect("accounts:verify")
    if requires_second_factor(user):
        return redirect("accounts:enrol")
    return _continue(request)


def _second_factor_passed(request: HttpRequest, device: Device) -> None:
    """Mark the session as past the second factor, under a new session key.

    The key is renewed here as well as at the password, so that a key learnt before the second factor
    (say, from a shared computer) is worth nothing after it.
    """
    otp_login(request, device)
    request.session.cycle_key()


def _continue(request: HttpRequest) -> HttpResponse:
    usable = memberships_usable(memberships=memberships_active(user=_user(request)))
    if getattr(request, "membership", None) is None and len(usable) != 1:
        return redirect("accounts:choose_membership")
    next_url = request.session.pop(NEXT_KEY, None)
    membership = getattr(request, "membership", None) or (usable[0] if usable else None)
    return redirect(next_url or first_page(membership.role if membership else None))


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request.POST or None)
    expired = request.session.pop("pathways_session_expired", False)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if getattr(request, "axes_locked_out", False):
            # AxesMiddleware replaces this response with `locked_out`.
            return HttpResponse(status=429)
        if user is None:
            with transaction.atomic():
                audit.entry_record(
                    action=AuditAction.LOGIN_FAILED, username=form.cleaned_data["username"][:150]
                )
            form.add_error(None, _("Enter a correct username and password. Both are case-sensitive."))
        else:
            next_url = _safe_next(request, request.GET.get("next"))
            with transaction.atomic():
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                request.session[SESSION_STARTED] = request.session[SESSION_LAST_SEEN] = time.time()
                if next_url:
                    request.session[NEXT_KEY] = next_url
                audit.entry_record(
                    action=AuditAction.LOGIN, actor=actor_for(request), record_type="user", record_id=user.pk
                )
            return _after_password(request, user)
    return render(request, "accounts/login.html", {"form": form, "expired": expired})


@never_cache
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if second_factor_done(user):
        return _continue(request)
    if services.totp_confirmed(user=user) is None:
        return redirect("accounts:enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.second_factor_verify(actor=actor_for(request), code=form.cleaned_data["code"])
        if device is not None:
            _second_factor_passed(request, device)
            return _continue(request)
        with transaction.atomic():
            audit.entry_record(
                action=AuditAction.SECOND_FACTOR_FAILED,
                actor=actor_for(request),
                record_type="user",
                record_id=user.pk,
            )
        form.add_error(
            "code",
            _("That code is not right, or it has already been used. Wait for a new code and try again."),
        )
    return render(request, "accounts/verify.html", {"form": form})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@never_cache
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if services.totp_confirmed(user=user) is not None:
        # Changing an existing second factor is an administrator's reset, never self-service here.
        return redirect("accounts:verify")
    device = services.totp_pending(user=user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.totp_enrolment_confirm(
            actor=actor_for(request), device=device, code=form.cleaned_data["code"]
        )
        if codes is not None:
            _second_factor_passed(request, device)
            request.session["pathways_backup_codes"] = codes
            return redirect("accounts:backup_codes")
        form.add_error(
            "code",
            _(
                "That code is not right. Check the time on your phone is set automatically, "
                "wait for the next code and try again."
            ),
        )
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "qr": _qr_svg(device.config_url),
        },
    )


@never_cache
def backup_codes_view(request: HttpRequest) -> HttpResponse:
    codes = request.session.pop("pathways_backup_codes", None)
    if not codes:
        return redirect("accounts:profile" if second_factor_done(request.user) else "accounts:verify")
    return render(request, "accounts/backup_codes.html", {"codes": codes})


@never_cache
@require_http_methods(["GET", "POST"])
def choose_membership_view(request: HttpRequest) -> HttpResponse:
    active = memberships_active(user=_user(request))
    memberships = memberships_usable(memberships=active)
    if requires_second_factor(_user(request)) and not second_factor_done(request.user):
        return redirect("accounts:verify")
    choices = [(str(m.pk), f"{m.get_role_display()}, {m.agency.name}") for m in memberships]
    form = MembershipChoiceForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        chosen = next(m for m in memberships if str(m.pk) == form.cleaned_data["membership"])
        request.session[SESSION_MEMBERSHIP] = str(chosen.pk)
        request.membership = chosen  # type: ignore[attr-defined]
        with transaction.atomic():
            audit.entry_record(
                action=AuditAction.MEMBERSHIP_CHOSEN,
                actor=actor_for(request),
                record_type="membership",
                record_id=chosen.pk,
            )
        return _continue(request)
    return render(
        request,
        "accounts/choose_membership.html",
        {"form": form, "memberships": memberships, "withheld": memberships_withheld(memberships=active)},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        audit.entry_record(action=AuditAction.LOGOUT, actor=actor_for(request))
    logout(request)
    messages.success(request, _("You have signed out."))
    return redirect("accounts:login")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def password_change_view(request: HttpRequest) -> HttpResponse:
    form = GovukPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save(commit=False)
            user.password_changed_at = timezone.now()
            user.save()
            audit.entry_record(
                action=AuditAction.PASSWORD_CHANGED,
                actor=actor_for(request),
                record_type="user",
                record_id=user.pk,
            )
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@never_cache
def profile_view(request: HttpRequest) -> HttpResponse:
    active = memberships_active(user=_user(request))
    return render(
        request,
        "accounts/profile.html",
        {
            "memberships": memberships_usable(memberships=active),
            "withheld": memberships_withheld(memberships=active),
        },
    )


# --- Account changes that wait for a second administrator -------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD"])
def change_list_view(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    pending = list(selectors.account_changes_pending())
    return render(
        request,
        "accounts/change_list.html",
        {
            "waiting_for_you": [
                c for c in pending if services.account_change_may_decide(actor=actor, change=c)
            ],
            "waiting_for_others": [
                c for c in pending if not services.account_change_may_decide(actor=actor, change=c)
            ],
            "decided": selectors.account_changes_decided(),
        },
    )


def _initial_change(request: HttpRequest) -> dict[str, Any]:
    """A form started from an account's admin page: `?user=<uuid>&kind=<kind>` fill in the first answers."""
    initial: dict[str, Any] = {}
    try:
        user = User.objects.filter(pk=uuid.UUID(request.GET.get("user", ""))).first()
    except ValueError:
        user = None
    if user is not None:
        initial["username"] = user.username
    if request.GET.get("kind") in ChangeKind.values:
        initial["kind"] = request.GET["kind"]
    return initial


@never_cache
@require_http_methods(["GET", "POST"])
def change_new_view(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    form = AccountChangeForm(request.POST or None, initial=_initial_change(request))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                change = services.account_change_request(
                    actor=actor,
                    user=data["username"],
                    kind=data["kind"],
                    reason=data["reason"],
                    agency=data.get("agency"),
                    role=data.get("role") or "",
                )
            except services.AccountChangeRefused as refusal:
                services.account_change_refusal_record(
                    actor=actor, user=data["username"], kind=data["kind"], refusal=refusal
                )
                form.add_error(None, refusal.message)
                status = refusal.status
            else:
                messages.success(
                    request, _("Your request is waiting for another administrator to approve it.")
                )
                return redirect(change)
    return render(request, "accounts/change_new.html", {"form": form}, status=status)


def _account_facts(user: User) -> dict[str, Any]:
    """What a reviewer needs to see about the account a change is for."""
    memberships = list(user.memberships.select_related("agency"))
    return {
        "memberships": memberships,
        "is_administrator": any(m.is_active and m.role == Role.ADMINISTRATOR for m in memberships),
        "has_second_factor": services.totp_confirmed(user=user) is not None,
        "replaces": None,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def change_detail_view(request: HttpRequest, change_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    change = selectors.account_change_get(actor=actor, change_id=change_id)
    form = DecisionForm(request.POST or None)
    status = 200
    temporary_password = None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            decision, note = form.cleaned_data["decision"], form.cleaned_data["note"]
            try:
                if decision == "approve":
                    temporary_password = services.account_change_approve(
                        actor=actor, change=change, note=note
                    )
                elif decision == "reject":
                    services.account_change_reject(actor=actor, change=change, note=note)
                else:
                    services.account_change_withdraw(actor=actor, change=change)
            except services.AccountChangeRefused as refusal:
                services.account_change_refusal_record(
                    actor=actor, kind=change.kind, refusal=refusal, change=change
                )
                form.add_error(None, refusal.message)
                status = refusal.status
            else:
                change = selectors.account_change_get(actor=actor, change_id=change_id)
                if temporary_password is None:
                    done = {
                        ChangeStatus.APPROVED: _("The change is approved and made."),
                        ChangeStatus.REJECTED: _(
                            "The change is rejected. Nothing about the account changed."
                        ),
                        ChangeStatus.WITHDRAWN: _("Your request is withdrawn."),
                    }
                    messages.success(request, done[ChangeStatus(change.status)])
                    return redirect(change)
                # Shown once, in this answer only: it is neither stored nor put in the session.
                status = 200
    facts = _account_facts(change.user)
    if change.kind == ChangeKind.GRANT_ROLE:
        facts["replaces"] = next(
            (m for m in facts["memberships"] if m.agency_id == change.agency_id and m.role != change.role),
            None,
        )
    return render(
        request,
        "accounts/change_detail.html",
        {
            "change": change,
            "form": form,
            "facts": facts,
            "may_decide": change.is_pending
            and services.account_change_may_decide(actor=actor, change=change),
            "may_withdraw": change.is_pending and change.requested_by_id == actor.user.pk,
            "temporary_password": temporary_password,
        },
        status=status,
    )


# --- API clients: other agencies' systems ------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD"])
def api_client_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/api_client_list.html", {"clients": selectors.api_clients_listed()})


@never_cache
@require_http_methods(["GET", "POST"])
def api_client_new_view(request: HttpRequest) -> HttpResponse:
    form = ApiClientForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                client = services.api_client_register(actor=actor_for(request), **form.cleaned_data)
            except services.AccountChangeRefused as refusal:
                form.add_error(None, refusal.message)
                status = refusal.status
            else:
                messages.success(
                    request,
                    _(
                        "%(client)s is registered. Its role is waiting for another administrator "
                        "to approve it."
                    )
                    % {"client": client.name},
                )
                return redirect(client)
    return render(request, "accounts/api_client_new.html", {"form": form}, status=status)


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def api_client_detail_view(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    client = selectors.api_client_get(client_id=client_id)
    form = ApiTokenForm(request.POST if request.POST.get("action") == "issue" else None)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "issue":
                status = 400
                if form.is_valid():
                    token, secret = services.api_token_issue(
                        actor=actor,
                        client=client,
                        scopes=form.cleaned_data["scopes"],
                        days=form.cleaned_data["days"],
                    )
                    # Shown on this answer alone: only the digest is kept, so it cannot be shown again.
                    return render(
                        request,
                        "accounts/api_token_issued.html",
                        {"client": client, "token": token, "secret": secret},
                    )
            elif action == "revoke_token":
                token = get_object_or_404(client.tokens.all(), pk=_uuid_or_none(request.POST.get("token")))
                services.api_token_revoke(actor=actor, token=token)
                messages.success(request, _("Token %(token)s is revoked.") % {"token": token.prefix})
                return redirect(client)
            elif action == "revoke_client":
                services.api_client_revoke(actor=actor, client=client)
                messages.success(request, _("%(client)s is revoked.") % {"client": client.name})
                return redirect(client)
            else:
                return HttpResponse(status=400)
        except services.AccountChangeRefused as refusal:
            form.add_error(None, refusal.message)
            status = refusal.status
    tokens = [
        {"token": token, "scopes": selectors.api_token_scope_labels(token=token)}
        for token in client.tokens.all()
    ]
    return render(
        request,
        "accounts/api_client_detail.html",
        {"client": client, "form": form, "tokens": tokens, "now": timezone.now()},
        status=status,
    )


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None
