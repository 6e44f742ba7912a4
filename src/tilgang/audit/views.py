from datetime import datetime, time, timedelta

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tilgang.accounts.models import User
from tilgang.audit.forms import AuditFilterForm
from tilgang.audit.selectors import audit_events


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def trail(request: HttpRequest) -> HttpResponse:
    """The audit trail of any object, filterable by user, object and time (staff only)."""
    form = AuditFilterForm(request.GET or None)
    events = audit_events()
    if form.is_valid():
        data = form.cleaned_data
        actor_id = None
        if data["user"]:
            actor = User.objects.filter(email=data["user"].lower()).first()
            actor_id = actor.pk if actor else -1
        events = audit_events(
            actor_id=actor_id,
            object_type=data["object_type"].strip(),
            object_id=data["object_id"].strip(),
            since=_start_of(data["since"]) if data["since"] else None,
            until=_start_of(data["until"] + timedelta(days=1)) if data["until"] else None,
        )
    page = Paginator(events, 50).get_page(request.GET.get("side"))
    actors = {user.pk: user for user in User.objects.filter(pk__in={e.actor_id for e in page if e.actor_id})}
    rows = [(event, actors.get(event.actor_id) if event.actor_id else None) for event in page]
    query = request.GET.copy()
    query.pop("side", None)
    return render(
        request, "audit/trail.html", {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    )
