from __future__ import annotations

import time
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from pathways.accounts import services
from pathways.accounts.models import Membership, User
from pathways.accounts.selectors import memberships_active, memberships_usable
from pathways.core.policy import actor_for
from pathways.core.throttle import address_key, allow, client_address

TOKEN_REFUSALS_PER_MINUTE = 20

SESSION_STARTED = "pathways_started_at"
SESSION_LAST_SEEN = "pathways_last_seen"
SESSION_MEMBERSHIP = "pathways_membership"


class SessionLimitsMiddleware:
    """Ends sessions after idle and absolute limits on the server, and sets `request.membership`.

    The cookie age alone would leave expiry to the browser; these checks hold whatever the client does.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.get(SESSION_STARTED, now)
            last_seen = request.session.get(SESSION_LAST_SEEN, now)
            if (
                now - last_seen > settings.SESSION_IDLE_SECONDS
                or now - started > settings.SESSION_ABSOLUTE_SECONDS
            ):
                logout(request)
                request.session["pathways_session_expired"] = True
            else:
                if SESSION_STARTED not in request.session:
                    request.session[SESSION_STARTED] = started
                if (
                    SESSION_LAST_SEEN not in request.session
                    or now - last_seen >= settings.SESSION_TOUCH_SECONDS
                ):
                    # Writing the time is what saves the session and pushes its expiry on.
                    request.session[SESSION_LAST_SEEN] = now
                request.membership = self._membership(request)  # type: ignore[attr-defined]
        actor_for(request)  # sets request.actor, once, for the views, the policy and the audit
        return self.get_response(request)

    @staticmethod
    def _membership(request: HttpRequest) -> Membership | None:
        usable = memberships_usable(memberships=memberships_active(user=cast(User, request.user)))
        chosen = request.session.get(SESSION_MEMBERSHIP)
        if chosen:
            found = next((m for m in usable if str(m.pk) == chosen), None)
            if found:
                return found
        return usable[0] if len(usable) == 1 else None


class ApiTokenMiddleware:
    """Signs an API request in by its bearer token: the client's account, its membership at the client's
    agency, and the token's scopes become the request's actor, so the policy and the audit log treat the
    call as the client acting, through no other door than anyone's. Pages never take a token."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if not request.path.startswith("/api/") or not header.startswith("Bearer "):
            return self.get_response(request)
        presented = header[len("Bearer ") :].strip()
        token = services.api_token_authenticate(presented=presented)
        if token is None:
            return self._refused(request, presented)
        client = token.client
        request.user = client.user
        request.api_token = token  # type: ignore[attr-defined]
        request.membership = (  # type: ignore[attr-defined]
            Membership.objects.select_related("agency")
            .filter(user=client.user, agency=client.agency, is_active=True)
            .first()
        )
        actor_for(request)
        return self.get_response(request)

    @staticmethod
    def _refused(request: HttpRequest, presented: str) -> HttpResponse:
        key = address_key(client_address(request))
        # Refusals are audited, but a flood of made-up tokens from one address must not flood the log.
        if key is not None and not allow(
            f"api-token:{key}", limit=TOKEN_REFUSALS_PER_MINUTE, window_seconds=60
        ):
            return JsonResponse({"detail": _("Too many refused tokens. Wait a minute.")}, status=429)
        services.api_token_refusal_record(presented=presented)
        response = JsonResponse(
            {"detail": _("The API token is not valid: it is mistyped, has expired or has been revoked.")},
            status=401,
        )
        response["WWW-Authenticate"] = 'Bearer realm="pathways"'
        return response


class ApiTokenAuthentication(BaseAuthentication):
    """DRF's view of a request `ApiTokenMiddleware` signed in: the token is the credential, so DRF's session
    check (and the CSRF check that goes with it, which a server-to-server call cannot pass) is not run."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        token = getattr(request._request, "api_token", None)
        return None if token is None else (request._request.user, token)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="pathways"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The bearer token as the OpenAPI document describes it."""

    target_class = "pathways.accounts.middleware.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": _(
                "A token an administrator issues to an API client (another agency's system): "
                "Authorization: Bearer pw_<prefix>.<secret>. It expires, can be revoked at once, and may do "
                "only what its scopes allow within its client's role."
            ),
        }
