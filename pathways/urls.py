from django.conf.urls.i18n import i18n_patterns
from django.urls import URLPattern, URLResolver, include, path

from pathways.accounts.admin import admin_site
from pathways.core import views as core_views

handler400 = "pathways.core.views.bad_request"
handler403 = "pathways.core.views.permission_denied"
handler404 = "pathways.core.views.page_not_found"
handler500 = "pathways.core.views.server_error"

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", include("pathways.api_urls")),
]
urlpatterns += i18n_patterns(
    path("", core_views.home, name="home"),
    path("", include("pathways.accounts.urls")),
    path("services/", include("pathways.directory.urls")),
    path("insights/", include("pathways.insights.urls")),
    path("people/", include("pathways.people.urls")),
    path("referrals/", include("pathways.referrals.urls")),
    path("assessments/", include("pathways.assessments.urls")),
    path("panels/", include("pathways.panels.urls")),
    # The work app's pages sit at the top: "work/" (the first page) and "tasks/".
    path("", include("pathways.work.urls")),
    path("cases/", include("pathways.cases.urls")),
    path("standards/", include("pathways.standards.urls")),
    path("staff/", include("pathways.workforce.urls")),
    path("audit/", include("pathways.audit.urls")),
    path("admin/", admin_site.urls),
    prefix_default_language=True,
)
