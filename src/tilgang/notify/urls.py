from django.urls import path

from tilgang.core.permissions import Access, register
from tilgang.notify import views

app_name = "notify"

urlpatterns = [path("", views.outbox, name="outbox")]

# Demo only (404 in production): the invited person must see the e-mail before having an account.
register({"notify:outbox": Access(public=True, demo_only=True)})
