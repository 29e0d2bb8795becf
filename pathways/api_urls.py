from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from pathways.assessments import api as assessments_api
from pathways.cases import api as cases_api
from pathways.cases import api_work as case_work_api
from pathways.core import views as core_views
from pathways.directory import api as directory_api
from pathways.insights import api as insights_api
from pathways.insights import api_outcomes, api_scenarios
from pathways.referrals import api as referrals_api

app_name = "api"
urlpatterns = [
    path("services/", directory_api.ServiceList.as_view(), name="service-list"),
    path("services/<slug:slug>/", directory_api.ServiceDetail.as_view(), name="service-detail"),
    path("areas/", directory_api.AreaList.as_view(), name="area-list"),
    path("gap-map/", insights_api.GapMapView.as_view(), name="gap-map"),
    path("outcomes/", api_outcomes.OutcomesView.as_view(), name="outcomes"),
    path("scenarios/", api_scenarios.ScenarioListCreate.as_view(), name="scenario-list"),
    path("scenarios/<uuid:scenario_id>/", api_scenarios.ScenarioDetail.as_view(), name="scenario-detail"),
    path("referrals/", referrals_api.ReferralListCreate.as_view(), name="referral-list"),
    path("referrals/<uuid:referral_id>/", referrals_api.ReferralDetail.as_view(), name="referral-detail"),
    path(
        "referrals/<uuid:referral_id>/choose/", referrals_api.ReferralChoose.as_view(), name="referral-choose"
    ),
    path("assessments/", assessments_api.AssessmentListCreate.as_view(), name="assessment-list"),
    path(
        "assessments/<uuid:assessment_id>/",
        assessments_api.AssessmentDetail.as_view(),
        name="assessment-detail",
    ),
    path(
        "assessments/<uuid:assessment_id>/answers/",
        assessments_api.AssessmentAnswers.as_view(),
        name="assessment-answers",
    ),
    path(
        "people/<uuid:person_id>/assessments/",
        assessments_api.PersonAssessments.as_view(),
        name="person-assessments",
    ),
    path("cases/", cases_api.CaseList.as_view(), name="case-list"),
    path("cases/<uuid:case_id>/", cases_api.CaseDetail.as_view(), name="case-detail"),
    path(
        "cases/<uuid:case_id>/partner-safety/",
        cases_api.CasePartnerSafety.as_view(),
        name="case-partner-safety",
    ),
    path("cases/<uuid:case_id>/plan/", case_work_api.CasePlan.as_view(), name="case-plan"),
    path("cases/<uuid:case_id>/notes/", case_work_api.CaseNotes.as_view(), name="case-notes"),
    path("cases/<uuid:case_id>/sessions/", case_work_api.CaseSessions.as_view(), name="case-sessions"),
    path("cases/<uuid:case_id>/ending/", case_work_api.CaseEndingDetail.as_view(), name="case-ending"),
    path("instruments/", assessments_api.InstrumentList.as_view(), name="instrument-list"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", core_views.api_docs, name="docs"),
]
