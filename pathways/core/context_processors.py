from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.urls.base import translate_url
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from pathways.core.policy import (
    Perm,
    actor_for,
    allows,
    requires_second_factor,
    rule_for,
    second_factor_done,
)

# Each language is named in itself, as language switchers should be.
LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg"}


def navigation(request: HttpRequest) -> dict[str, Any]:
    current = get_language() or "en"
    language_links = []
    for code, name in LANGUAGE_NAMES.items():
        if code != current:
            url = translate_url(request.get_full_path(), code)
            # A path that does not resolve (say, a 404 under /fr/) cannot be translated: offer the start page.
            language_links.append((code, name, url if url != request.get_full_path() else f"/{code}/"))
    context: dict[str, Any] = {
        "language_links": language_links,
        "nav_items": [],
        "acting_as": None,
        "api_docs_url": None,
    }
    user = getattr(request, "user", None)
    membership = getattr(request, "membership", None)
    if user is None or not user.is_authenticated or membership is None:
        return context
    if requires_second_factor(user) and not second_factor_done(user):
        return context
    actor = actor_for(request)
    entries = [
        (Perm.GAP_MAP_VIEW, "insights:gap_map", _("Gap map")),
        (Perm.OUTCOMES_VIEW, "insights:outcomes", _("Outcomes")),
        (Perm.OUTCOMES_ALL, "insights:scenarios", _("Scenarios")),
        (Perm.DIRECTORY_VIEW, "directory:service_list", _("Services")),
        (Perm.STANDARDS_VIEW, "standards:board", _("Standards")),
        (Perm.REFERRAL_VIEW, "work:home", _("Your work")),
        (Perm.REFERRAL_VIEW, "referrals:list", _("Referrals")),
        (Perm.CASE_VIEW, "cases:caseload", _("Cases")),
        (Perm.PERSON_VIEW, "people:search", _("People")),
        (Perm.TASK_VIEW, "work:tasks", _("Tasks")),
        (Perm.STAFF_VIEW, "workforce:staff_list", _("Staff")),
        (Perm.PANEL_CASE_VIEW, "panels:list", _("Panels")),
        (Perm.AUDIT_VIEW, "audit:search", _("Audit log")),
        (Perm.EVALUATION_MANAGE, "insights:evaluation", _("Evaluation")),
        (Perm.ACCOUNTS_MANAGE, "admin:index", _("Administration")),
    ]
    path = request.path
    for perm, name, label in entries:
        if allows(actor, perm):
            url = reverse(name)
            context["nav_items"].append({"url": url, "label": label, "active": path.startswith(url)})
    context["nav_items"].append(
        {
            "url": reverse("accounts:profile"),
            "label": _("Your account"),
            "active": path == reverse("accounts:profile"),
        }
    )
    context["acting_as"] = membership
    docs = rule_for("api:docs")
    if docs is not None and (docs.perm is None or allows(actor, docs.perm)):
        # The API's addresses carry no language prefix: the page is asked for in the reader's language.
        language = "" if current == settings.LANGUAGE_CODE else f"?lang={current}"
        context["api_docs_url"] = reverse("api:docs") + language
    return context
