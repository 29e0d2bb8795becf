from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from pathways.core import apidocs
from pathways.core.access import Role
from pathways.core.context_processors import LANGUAGE_NAMES

# The page each role lands on after signing in: where its work waits. Commissioners (and anyone else)
# start from the gap map.
FIRST_PAGES = {
    Role.PRACTITIONER: "work:home",
    Role.MANAGER: "work:home",
    Role.PANEL_COORDINATOR: "panels:list",
    Role.PANEL_CHAIR: "panels:list",
    Role.AUDITOR: "audit:search",
    Role.ADMINISTRATOR: "accounts:change_list",
}


def first_page(role: str | None) -> str:
    """The URL name of the page a role starts from."""
    return FIRST_PAGES.get(Role(role), "insights:gap_map") if role in Role.values else "insights:gap_map"


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        membership = getattr(request, "membership", None)
        return redirect(first_page(membership.role if membership else None))
    return render(request, "core/home.html")


def api_docs(request: HttpRequest) -> HttpResponse:
    """The API's reference, built from its OpenAPI document. The address has no language prefix (it sits
    with the API), so the language is chosen by `?lang=`, as the schema's own view does."""
    asked = request.GET.get("lang", "")
    language = asked if asked in LANGUAGE_NAMES else translation.get_language() or settings.LANGUAGE_CODE
    here = reverse("api:docs")
    links = [(code, name, f"{here}?lang={code}") for code, name in LANGUAGE_NAMES.items() if code != language]
    with translation.override(language):
        reference = apidocs.api_reference(schema=apidocs.api_schema())
        response = render(request, "core/api_docs.html", {"api": reference, "language_links": links})
    response.headers["Content-Language"] = language
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    message = _(
        "This form could not be sent because it was out of date or did not come from Pathways. "
        "Go back, reload the page and try again. Nothing was changed."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=403)
    return render(request, "errors/403.html", {"message": message}, status=403)


def _api_or_page(request: HttpRequest, status: int, message: str, template: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return render(request, template, {"message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_or_page(request, 400, _("The request could not be understood."), "errors/400.html")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_or_page(request, 403, _("You do not have access to this page."), "errors/403.html")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_or_page(request, 404, _("Page not found."), "errors/404.html")


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request, so that nothing about the failed page (its address, the user) shows."""
    message = _("Sorry, there is a problem with the service.")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=500)
    return HttpResponse(render_to_string("errors/500.html", {"message": message}), status=500)
