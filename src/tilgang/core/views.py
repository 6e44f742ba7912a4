from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from tilgang.accounts.services import user_set_language
from tilgang.core.registry import tasks_for
from tilgang.core.roles import Role


def home(request: HttpRequest) -> HttpResponse:
    roles, tasks = [], []
    if request.user.is_authenticated:
        roles = [Role(role).label for role in sorted(request.user.role_set)]
        tasks = tasks_for(request.user)
    return render(request, "core/home.html", {"user_roles": roles, "tasks": tasks})


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language; a signed-in user's choice is remembered for messages too."""
    language = request.POST.get("language", "")
    if (
        request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and language != request.user.language
    ):
        user_set_language(user=request.user, language=language)
    # Django's set_language checks "next" against the host too; this view only adds the user's choice.
    return django_set_language(request)


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")
