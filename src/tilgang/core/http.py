from django.http import HttpRequest

from tilgang.accounts.models import User


class AuthedRequest(HttpRequest):
    """A request on a route the access matrix only lets signed-in users reach."""

    user: User  # type: ignore[assignment]
