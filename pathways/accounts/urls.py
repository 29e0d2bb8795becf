from django.urls import path

from pathways.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.login_view, name="login"),
    path("sign-in/code/", views.verify_view, name="verify"),
    path("sign-in/set-up-code/", views.enrol_view, name="enrol"),
    path("sign-in/backup-codes/", views.backup_codes_view, name="backup_codes"),
    path("sign-in/role/", views.choose_membership_view, name="choose_membership"),
    path("sign-out/", views.logout_view, name="logout"),
    path("account/", views.profile_view, name="profile"),
    path("account/password/", views.password_change_view, name="password_change"),
    path("account-changes/", views.change_list_view, name="change_list"),
    path("account-changes/new/", views.change_new_view, name="change_new"),
    path("account-changes/<uuid:change_id>/", views.change_detail_view, name="change_detail"),
    path("api-clients/", views.api_client_list_view, name="api_client_list"),
    path("api-clients/new/", views.api_client_new_view, name="api_client_new"),
    path("api-clients/<uuid:client_id>/", views.api_client_detail_view, name="api_client_detail"),
]
