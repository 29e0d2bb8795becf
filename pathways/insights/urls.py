from django.urls import path

from pathways.insights import views, views_evaluation, views_outcomes, views_scenarios

app_name = "insights"
urlpatterns = [
    path("gap-map/", views.gap_map_view, name="gap_map"),
    path("gap-map/export/", views.gap_map_export, name="gap_map_export"),
    path("outcomes/", views_outcomes.outcomes_view, name="outcomes"),
    path("outcomes/export/", views_outcomes.outcomes_export, name="outcomes_export"),
    path("scenarios/", views_scenarios.scenarios_view, name="scenarios"),
    path("scenarios/<uuid:scenario_id>/", views_scenarios.scenario_view, name="scenario"),
    path("scenarios/<uuid:scenario_id>/export/", views_scenarios.scenario_export, name="scenario_export"),
    path("evaluation/", views_evaluation.evaluation_view, name="evaluation"),
    path(
        "evaluation/<uuid:agreement_id>/extract/",
        views_evaluation.evaluation_extract_view,
        name="evaluation_extract",
    ),
]
