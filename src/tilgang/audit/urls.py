from django.urls import path

from tilgang.audit import views
from tilgang.core.permissions import STAFF, register

app_name = "audit"

urlpatterns = [path("", views.trail, name="trail")]

register({"audit:trail": STAFF})
