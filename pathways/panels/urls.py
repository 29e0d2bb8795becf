from django.urls import path

from pathways.panels import views, views_rfg, views_sharing

app_name = "panels"
urlpatterns = [
    path("", views.panel_list, name="list"),
    path("actions/", views.actions, name="actions"),
    path("actions/<uuid:action_id>/", views.action_update, name="action_update"),
    path("<uuid:panel_id>/", views.panel_detail, name="panel_detail"),
    path("<uuid:panel_id>/rfg/", views_rfg.rfg_ranking, name="rfg"),
    path("<uuid:panel_id>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("<uuid:panel_id>/refer-in/", views.nominate, name="nominate"),
    path("meetings/<uuid:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<uuid:meeting_id>/attendance/", views.attendance, name="attendance"),
    path("meetings/<uuid:meeting_id>/agenda/", views.agenda_build, name="agenda_build"),
    path("meetings/<uuid:meeting_id>/close/", views.close, name="close"),
    path("meetings/<uuid:meeting_id>/minutes/", views.minutes, name="minutes"),
    path("items/<uuid:item_id>/", views.item_detail, name="item_detail"),
    path("items/<uuid:item_id>/decision/", views.decide, name="decide"),
    path("items/<uuid:item_id>/actions/new/", views.action_new, name="action_new"),
    path("items/<uuid:item_id>/disclose/", views_sharing.disclose, name="disclose"),
    path("<uuid:panel_id>/return/", views_sharing.marac_return, name="marac_return"),
]
