from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tilgang.notify.models import OutboxMessage


def outbox(request: HttpRequest) -> HttpResponse:
    """Demo mode only: every e-mail and SMS the service "sent", newest first."""
    messages = OutboxMessage.objects.all()
    recipient = request.GET.get("til", "").strip()
    if recipient:
        messages = messages.filter(recipient__icontains=recipient)
    page = Paginator(messages, 25).get_page(request.GET.get("side"))
    return render(request, "notify/outbox.html", {"page": page, "recipient": recipient})
