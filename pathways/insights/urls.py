from django.urls import path

from pathways.insights import views

app_name = "insights"
urlpatterns = [
    path("gap-map/", views.gap_map_view, name="gap_map"),
    path("referrals/", views.referral_figures_view, name="referral_figures"),
]
