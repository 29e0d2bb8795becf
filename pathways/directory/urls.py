from django.urls import path

from pathways.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.service_list, name="service_list"),
    path("<slug:slug>/", views.service_detail, name="service_detail"),
]
