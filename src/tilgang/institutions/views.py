from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from tilgang.institutions.forms import InstitutionForm
from tilgang.institutions.models import Institution
from tilgang.institutions.services import institution_save


def institution_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    institutions = Institution.objects.all()
    if query:
        institutions = institutions.filter(name__icontains=query) | institutions.filter(orgnr=query)
    return render(request, "institutions/list.html", {"institutions": institutions, "q": query})


def institution_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    institution = get_object_or_404(Institution, pk=pk) if pk else None
    form = InstitutionForm(request.POST or None, instance=institution)
    if request.method == "POST" and form.is_valid():
        saved = institution_save(actor=request.user, institution=form.save(commit=False))
        messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
        return redirect("institutions:list")
    return render(request, "institutions/edit.html", {"form": form, "institution": institution})
