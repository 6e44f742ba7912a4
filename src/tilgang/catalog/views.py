"""The public variable catalog, variable lists, selections, and the staff edit page. Thin views."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tilgang.catalog import selectors, services
from tilgang.catalog.forms import PublicationDatesForm, SearchForm, SelectionForm, VariableTextsForm
from tilgang.catalog.models import SourceKind
from tilgang.catalog.variable_lists import list_csv, list_xlsx
from tilgang.core.http import AuthedRequest
from tilgang.core.roles import Role

PAGE_SIZE = 25
CODES_ON_PAGE = 20


def can_edit(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.role_set & {Role.ADMINISTRATOR, Role.CASE_OFFICER}
    )


def index(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    chosen = {facet: request.GET.get(facet, "")[:40] for facet in selectors.FACETS}
    result = selectors.variable_search(q=q, **chosen)
    page = Paginator(result.ids, PAGE_SIZE).get_page(request.GET.get("side"))
    variables = result.load(list(page.object_list))
    base = {key: value for key, value in {"q": q, **chosen}.items() if value}
    facets = []
    titles = {
        "area": _("Statistics area"),
        "unit_type": _("Unit type"),
        "temporality": _("Temporality"),
        "sensitivity": _("Sensitivity"),
    }
    for facet, values in result.facets.items():
        links = []
        for value in values:
            params = dict(base)
            if value.selected:
                params.pop(facet, None)
            else:
                params[facet] = value.value
            links.append((value, "?" + urlencode(params)))
        facets.append((facet, titles[facet], links))
    return render(
        request,
        "catalog/index.html",
        {
            "form": form,
            "page": page,
            "variables": variables,
            "total": result.total,
            "facets": facets,
            "query": urlencode(base),
            "filtered": bool(base),
            "areas": selectors.areas_with_counts(),
            "load": selectors.latest_load(),
        },
    )


def variable_detail(request: HttpRequest, name: str) -> HttpResponse:
    variable = selectors.variable_get(name)
    if variable is None:
        raise Http404
    today = timezone.localdate()
    coverage = [(row, row.embargoed(today)) for row in variable.coverage.all()]
    codes = list(variable.codelist.codes.all()[:CODES_ON_PAGE]) if variable.codelist else []
    code_count = variable.codelist.codes.count() if variable.codelist else 0
    return render(
        request,
        "catalog/variable.html",
        {
            "variable": variable,
            "coverage": coverage,
            "years": selectors.years_text(variable.year_list()),
            "codes": codes,
            "code_count": code_count,
            "health_register": variable.register.source_kind == SourceKind.HEALTH_REGISTER,
            "survey": variable.register.source_kind == SourceKind.SURVEY,
            "can_edit": can_edit(request.user),
        },
    )


def codelist_detail(request: HttpRequest, name: str) -> HttpResponse:
    codelist = selectors.codelist_get(name)
    if codelist is None:
        raise Http404
    return render(
        request,
        "catalog/codelist.html",
        {
            "codelist": codelist,
            "codes": codelist.codes.all(),
            "variables": codelist.variables.filter(withdrawn_at=None),
        },
    )


def _area_list(code: str):
    area = selectors.area_get(code)
    if area is None:
        raise Http404
    variables = selectors.area_variables(area)
    if not variables:
        raise Http404
    return area, variables


def area_list_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    area, variables = _area_list(code)
    load = selectors.latest_load()
    content = list_xlsx(area, variables, load.register_version if load else "")
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="variabelliste-{area.code}.xlsx"'
    return response


def area_list_csv(request: HttpRequest, code: str) -> HttpResponse:
    area, variables = _area_list(code)
    response = HttpResponse(list_csv(variables), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="variabelliste-{area.code}.csv"'
    return response


def selection(request: HttpRequest) -> HttpResponse:
    """Try a ticked variable list or a microdata.no script and see the selection it makes."""
    form = SelectionForm(request.POST or None, request.FILES or None)
    result = None
    problems = None
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload:
                result = services.selection_from_upload(filename=upload.name, content=upload.read())
            else:
                result = services.selection_from_script(text=form.cleaned_data["script"])
        except services.SelectionError as error:
            problems = error.problems
            status = 422
    elif request.method == "POST":
        status = 422
    catalog = selectors.variables_by_name(result.names) if result else {}
    rows = [(item, catalog.get(item.name)) for item in result.variables] if result else []
    return render(
        request,
        "catalog/selection.html",
        {"form": form, "selection": result, "rows": rows, "problems": problems},
        status=status,
    )


def variable_edit(request: AuthedRequest, name: str) -> HttpResponse:
    """Staff edit the descriptive texts and the publication dates; data-derived fields are the loader's."""
    variable = selectors.variable_get(name)
    if variable is None:
        raise Http404
    data = request.POST if request.method == "POST" else None
    texts = VariableTextsForm.for_variable(variable, data)
    dates = PublicationDatesForm(data, variable=variable)
    if request.method == "POST" and texts.is_valid() and dates.is_valid():
        try:
            with transaction.atomic():
                changed = services.variable_texts_update(
                    actor=request.user, variable=variable, texts=texts.cleaned_data
                )
                years = services.variable_publication_dates_set(
                    actor=request.user, variable=variable, dates=dates.dates()
                )
        except services.CatalogError as error:
            dates.add_error(None, str(error))
        else:
            if changed or years:
                messages.success(request, _("The changes to %(name)s are saved.") % {"name": variable.name})
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("catalog:variable", name=variable.name)
    return render(
        request, "catalog/variable_edit.html", {"variable": variable, "texts": texts, "dates": dates}
    )
