from django.urls import path

from pathways.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.caseload_view, name="caseload"),
    path("<uuid:case_id>/", views.case_detail_view, name="detail"),
]
