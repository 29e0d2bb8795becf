from __future__ import annotations

import time
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from pathways.accounts.models import Membership, User
from pathways.accounts.selectors import memberships_active, memberships_usable
from pathways.core.policy import actor_for

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
                request.session[SESSION_STARTED] = started
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
