from django.urls import path

from tilgang.accounts import views
from tilgang.core.permissions import PUBLIC, SIGNED_IN, STAFF, register

app_name = "accounts"

urlpatterns = [
    path("logg-inn/", views.login_view, name="login"),
    path("logg-ut/", views.logout_view, name="logout"),
    path("totp/", views.totp_verify, name="totp_verify"),
    path("totp/oppsett/", views.totp_setup, name="totp_setup"),
    path("totp/av/", views.totp_disable, name="totp_disable"),
    path("invitasjon/<str:token>/", views.invitation, name="invitation"),
    path("passord/glemt/", views.password_forgotten, name="password_forgotten"),
    path("passord/<str:token>/", views.password_set, name="password_set"),
    path("bekreft/", views.reauth, name="reauth"),
    path("profil/", views.profile, name="profile"),
    path("profil/mobil/", views.profile_mobile, name="profile_mobile"),
    path("profil/tokens/", views.token_create, name="token_create"),
    path("profil/tokens/<int:token_id>/trekk-tilbake/", views.token_revoke, name="token_revoke"),
    path("inviter/", views.invite, name="invite"),
]

register(
    {
        "accounts:login": PUBLIC,
        "accounts:logout": SIGNED_IN,
        "accounts:totp_verify": PUBLIC,  # guarded by the pending sign-in in the session
        "accounts:totp_setup": SIGNED_IN,
        "accounts:totp_disable": SIGNED_IN,
        "accounts:invitation": PUBLIC,  # guarded by the single-use token
        "accounts:password_forgotten": PUBLIC,
        "accounts:password_set": PUBLIC,  # guarded by the single-use token
        "accounts:reauth": SIGNED_IN,
        "accounts:profile": SIGNED_IN,
        "accounts:profile_mobile": SIGNED_IN,
        "accounts:token_create": SIGNED_IN,
        "accounts:token_revoke": SIGNED_IN,
        "accounts:invite": STAFF,
    }
)
