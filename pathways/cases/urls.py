from django.urls import path

from pathways.cases.views import case, transfer

app_name = "cases"
urlpatterns = [
    path("", case.caseload_view, name="caseload"),
    path("<uuid:case_id>/", case.case_detail_view, name="detail"),
    path("<uuid:case_id>/transfer/", transfer.case_transfer_view, name="transfer"),
]
