from django.urls import path

from pathways.insights import views, views_outcomes

app_name = "insights"
urlpatterns = [
    path("gap-map/", views.gap_map_view, name="gap_map"),
    path("outcomes/", views_outcomes.outcomes_view, name="outcomes"),
    path("outcomes/export/", views_outcomes.outcomes_export, name="outcomes_export"),
]
