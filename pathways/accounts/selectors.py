"""Reads for the account pages: which memberships a user may act under, and the account changes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from pathways.accounts.choices import ChangeStatus
from pathways.accounts.models import AccountChange, ApiClient, ApiToken, Membership, User
from pathways.core.access import Role
from pathways.core.policy import API_SCOPES, Actor, Perm, allows, role_reaches_personal_data


def memberships_active(*, user: User) -> list[Membership]:
    """The user's active memberships at active agencies, with their agencies (one query)."""
    return list(
        Membership.objects.filter(user=user, is_active=True, agency__is_active=True).select_related("agency")
    )


def memberships_usable(*, memberships: Iterable[Membership]) -> list[Membership]:
    """The memberships a user may act under, from their active ones at active agencies.

    An administrator reaches no personal data: while a user holds an active administrator membership,
    none of their memberships that reach personal data can be used, however they came to exist.
    """
    active = [m for m in memberships if m.is_active]
    if any(m.role == Role.ADMINISTRATOR for m in active):
        return [m for m in active if not role_reaches_personal_data(m.role)]
    return active


def memberships_withheld(*, memberships: Iterable[Membership]) -> list[Membership]:
    """Active memberships that `usable_memberships` leaves out, so that pages can say why."""
    memberships = list(memberships)
    usable = {m.pk for m in memberships_usable(memberships=memberships)}
    return [m for m in memberships if m.is_active and m.pk not in usable]


def account_changes_pending() -> QuerySet[AccountChange]:
    return (
        AccountChange.objects.filter(status=ChangeStatus.PENDING)
        .select_related("user", "agency", "requested_by")
        .order_by("requested_at")
    )


def account_changes_decided(*, limit: int = 20) -> QuerySet[AccountChange]:
    return (
        AccountChange.objects.exclude(status=ChangeStatus.PENDING)
        .select_related("user", "agency", "requested_by", "decided_by")
        .order_by("-decided_at")[:limit]
    )


def account_change_get(*, actor: Actor, change_id: uuid.UUID) -> AccountChange:
    """The change, for an administrator; Http404 for anyone else and for a change that does not exist."""
    if not allows(actor, Perm.ACCOUNTS_MANAGE):
        raise Http404
    try:
        return AccountChange.objects.select_related("user", "agency", "requested_by", "decided_by").get(
            pk=change_id
        )
    except AccountChange.DoesNotExist as exc:
        raise Http404 from exc


def api_clients_listed() -> QuerySet[ApiClient]:
    """Every API client with its tokens and its account's roles, for the administrators' list."""
    return ApiClient.objects.select_related("agency", "user").prefetch_related(
        Prefetch("tokens", queryset=ApiToken.objects.order_by("-created_at")),
        Prefetch("user__memberships", queryset=Membership.objects.filter(is_active=True)),
        Prefetch(
            "user__account_changes",
            queryset=AccountChange.objects.filter(status=ChangeStatus.PENDING),
            to_attr="pending_changes",
        ),
    )


def api_client_get(*, client_id: uuid.UUID) -> ApiClient:
    return get_object_or_404(api_clients_listed(), pk=client_id)


def api_token_scope_labels(*, token: ApiToken) -> list[str]:
    """What the token may do, in the reader's language."""
    labels = {str(perm): label for perm, label in API_SCOPES.items()}
    return [str(labels.get(scope, scope)) for scope in token.scopes]
