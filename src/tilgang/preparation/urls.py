from django.urls import path
from django.utils.translation import gettext_lazy as _

from tilgang.core.navigation import has_any_role, register_nav, signed_in
from tilgang.core.permissions import SIGNED_IN, only, register
from tilgang.core.roles import Role
from tilgang.preparation import views

app_name = "preparation"

urlpatterns = [
    path("", views.index, name="index"),
    path("nokkeltall/", views.metrics, name="metrics"),
    path("nokkeltall.csv", views.metrics_csv, name="metrics_csv"),
    path("sak/<int:pk>/", views.case, name="case"),
    path("sak/<int:pk>/bestilling/ny/", views.order_create, name="order_create"),
    path("sak/<int:pk>/tredjepart/", views.third_party_request, name="third_party_request"),
    path("sak/<int:pk>/sletting/", views.deletion_confirm, name="deletion_confirm"),
    path("sak/<int:pk>/avslutt/", views.close, name="close"),
    path("tredjepart/<int:pk>/motta/", views.third_party_receive, name="third_party_receive"),
    path("bestilling/<int:pk>/", views.order, name="order"),
    path("bestilling/<int:pk>/kjor/", views.job_start, name="job_start"),
    path("bestilling/<int:pk>/lever/", views.deliver, name="deliver"),
    path("jobb/<int:pk>/", views.job, name="job"),
    path("jobb/<int:pk>/status/", views.job_status, name="job_status"),
    path("jobb/<int:pk>/prov-igjen/", views.job_retry, name="job_retry"),
    path("jobb/<int:pk>/kodebok/<str:name>", views.job_codebook, name="job_codebook"),
    path("levering/<int:pk>/", views.delivery, name="delivery"),
    path("levering/<int:pk>/kontrollert/", views.delivery_check, name="delivery_check"),
    path("levering/<int:pk>/klage/", views.complaint_lodge, name="complaint_lodge"),
    path("klage/<int:pk>/reproduser/", views.complaint_reproduce, name="complaint_reproduce"),
    path("klage/<int:pk>/bekreft/", views.complaint_confirm, name="complaint_confirm"),
]

OFFICE = only(Role.CASE_OFFICER, Role.HEAD_OF_SECTION)
HEADS = only(Role.HEAD_OF_SECTION, Role.ADMINISTRATOR)

register(
    {
        # Object-level rules (the officer of this case, the project's own people) are in the selectors and
        # services; the project leader and members are external users, so several routes are SIGNED_IN.
        "preparation:index": SIGNED_IN,
        "preparation:metrics": HEADS,
        "preparation:metrics_csv": HEADS,
        "preparation:case": SIGNED_IN,
        "preparation:order_create": OFFICE,
        "preparation:third_party_request": OFFICE,
        "preparation:deletion_confirm": SIGNED_IN,
        "preparation:close": OFFICE,
        "preparation:third_party_receive": OFFICE,
        "preparation:order": SIGNED_IN,
        "preparation:job_start": OFFICE,
        "preparation:deliver": OFFICE,
        "preparation:job": OFFICE,
        "preparation:job_status": OFFICE,
        "preparation:job_retry": OFFICE,
        "preparation:job_codebook": OFFICE,
        "preparation:delivery": SIGNED_IN,
        "preparation:delivery_check": SIGNED_IN,
        "preparation:complaint_lodge": SIGNED_IN,
        "preparation:complaint_reproduce": OFFICE,
        "preparation:complaint_confirm": OFFICE,
    }
)

register_nav("preparation:index", _("Data deliveries"), signed_in, order=40)
register_nav(
    "preparation:metrics", _("Key figures"), has_any_role(Role.HEAD_OF_SECTION, Role.ADMINISTRATOR), order=82
)
