from django.urls import path

from pathways.workforce import views

app_name = "workforce"

urlpatterns = [
    path("", views.staff_list, name="staff_list"),
    path("skills/", views.skills_profile, name="skills"),
    path("skills/export/", views.skills_export, name="skills_export"),
    path("<uuid:staff_id>/", views.staff_detail, name="staff"),
]
