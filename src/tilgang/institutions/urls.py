from django.urls import path

from tilgang.core.permissions import ADMIN, STAFF, register
from tilgang.institutions import views

app_name = "institutions"

urlpatterns = [
    path("", views.institution_list, name="list"),
    path("ny/", views.institution_edit, name="create"),
    path("<int:pk>/", views.institution_edit, name="edit"),
]

register({"institutions:list": STAFF, "institutions:create": ADMIN, "institutions:edit": ADMIN})
