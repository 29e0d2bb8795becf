from django.urls import path

from pathways.referrals import public, views, views_work

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/", views.referral_new, name="new"),
    path("<uuid:referral_id>/", views.referral_detail, name="detail"),
    path("<uuid:referral_id>/choose/", views.referral_choose, name="choose"),
    path("<uuid:referral_id>/status/", views.referral_advance, name="advance"),
    path("<uuid:referral_id>/step/", views.referral_step, name="step"),
    path("<uuid:referral_id>/correct/", views.referral_correct, name="correct"),
    path("due/", views_work.due, name="due"),
    path("intake/", views_work.intake, name="intake"),
    path("<uuid:referral_id>/intake/", views_work.intake_record, name="intake_record"),
    path("screening/<slug:service_slug>/", views_work.screening_new, name="screening_new"),
    path("screenings/<uuid:screening_id>/", views_work.screening_detail, name="screening_detail"),
    path("self-referral/", public.self_referral, name="self_referral"),
    path("self-referral/sent/", public.self_referral_done, name="self_referral_done"),
]
