from django.urls import path
from django.utils.translation import gettext_lazy as _

from tilgang.catalog import views
from tilgang.core.navigation import register_nav
from tilgang.core.permissions import PUBLIC, only, register
from tilgang.core.roles import Role

app_name = "catalog"

urlpatterns = [
    path("", views.index, name="index"),
    path("variabel/<str:name>/", views.variable_detail, name="variable"),
    path("variabel/<str:name>/rediger/", views.variable_edit, name="variable_edit"),
    path("kodeliste/<str:name>/", views.codelist_detail, name="codelist"),
    path("omrade/<str:code>/variabelliste.xlsx", views.area_list_xlsx, name="area_list_xlsx"),
    path("omrade/<str:code>/variabelliste.csv", views.area_list_csv, name="area_list_csv"),
    path("utvalg/", views.selection, name="selection"),
]

# The catalog is public: it holds metadata only, never personal data.
CATALOG_EDITORS = only(Role.ADMINISTRATOR, Role.CASE_OFFICER)
register(
    {
        "catalog:index": PUBLIC,
        "catalog:variable": PUBLIC,
        "catalog:variable_edit": CATALOG_EDITORS,
        "catalog:codelist": PUBLIC,
        "catalog:area_list_xlsx": PUBLIC,
        "catalog:area_list_csv": PUBLIC,
        "catalog:selection": PUBLIC,
    }
)
register_nav("catalog:index", _("Variable catalog"), lambda user: True, order=10)
