from django.urls import path

from pathways.assessments import views

app_name = "assessments"
urlpatterns = [
    path("people/<uuid:person_id>/", views.person_assessments, name="history"),
    path("people/<uuid:person_id>/new/", views.start, name="start"),
    path("people/<uuid:person_id>/compare/", views.compare, name="compare"),
    path("<uuid:assessment_id>/", views.detail, name="detail"),
    path("<uuid:assessment_id>/correct/", views.correct, name="correct"),
]
