from django.urls import path

from pathways.cases.views import (
    assessment,
    case,
    contact,
    ending,
    export,
    joint,
    notes,
    partner,
    plan,
    reviews,
    sessions,
    trace,
    transfer,
)

app_name = "cases"
urlpatterns = [
    path("", case.caseload_view, name="caseload"),
    path("export/", export.caseload_export_view, name="export"),
    path("<uuid:case_id>/", case.case_detail_view, name="detail"),
    path("<uuid:case_id>/transfer/", transfer.case_transfer_view, name="transfer"),
    path("<uuid:case_id>/contact/", contact.case_contact_view, name="contact"),
    path("<uuid:case_id>/safety/", partner.safety_updates_view, name="safety"),
    path("<uuid:case_id>/assessments/", assessment.case_assessments_view, name="assessments"),
    path("<uuid:case_id>/assessments/link/", assessment.case_assessment_link_view, name="assessment_link"),
    path("<uuid:case_id>/notes/", notes.notes_view, name="notes"),
    path("<uuid:case_id>/notes/<uuid:note_id>/", notes.note_view, name="note"),
    path("<uuid:case_id>/reviews/", reviews.reviews_view, name="reviews"),
    path("<uuid:case_id>/plan/", plan.plan_view, name="plan"),
    path("<uuid:case_id>/ending/", ending.case_ending_view, name="ending"),
    path("<uuid:case_id>/sessions/", sessions.case_sessions_view, name="sessions"),
    path("tracing/", trace.tracing_view, name="tracing"),
    path("joint-meetings/", joint.joint_meetings_view, name="joint_meetings"),
    path("joint-meetings/<uuid:joint_meeting_id>/", joint.joint_meeting_view, name="joint_meeting"),
    path("groups/", sessions.groups_view, name="groups"),
    path("groups/<uuid:group_id>/", sessions.group_detail_view, name="group_detail"),
]
