from django.urls import path

from pathways.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_search, name="search"),
    path("<uuid:person_id>/", views.person_detail, name="detail"),
    path("<uuid:person_id>/sealed/", views.person_detail, {"reveal": True}, name="reveal"),
]
