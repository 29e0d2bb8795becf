from django.urls import path

from pathways.insights import views, views_evaluation, views_outcomes

app_name = "insights"
urlpatterns = [
    path("gap-map/", views.gap_map_view, name="gap_map"),
    path("outcomes/", views_outcomes.outcomes_view, name="outcomes"),
    path("outcomes/export/", views_outcomes.outcomes_export, name="outcomes_export"),
    path("evaluation/", views_evaluation.evaluation_view, name="evaluation"),
    path(
        "evaluation/<uuid:agreement_id>/extract/",
        views_evaluation.evaluation_extract_view,
        name="evaluation_extract",
    ),
]
