from django.urls import path

from pathways.standards import views

app_name = "standards"

urlpatterns = [
    path("", views.board, name="board"),
    path("export/", views.board_export, name="board_export"),
    path("services/<slug:slug>/", views.service_detail, name="service"),
    path("reviews/<uuid:review_id>/", views.review_detail, name="review"),
    path("reviews/<uuid:review_id>/items/<slug:item>/", views.review_item, name="review_item"),
    path("compare/", views.compare, name="compare"),
]
