from django.urls import path

from pathways.work import views

app_name = "work"
urlpatterns = [
    path("work/", views.home, name="home"),
    path("tasks/", views.tasks, name="tasks"),
]
