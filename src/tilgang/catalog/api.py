"""The catalog through the API: public reads and selections; staff edits with audit events."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from tilgang.catalog import selectors, services
from tilgang.catalog.models import Variable
from tilgang.catalog.variable_lists import MAX_BYTES
from tilgang.core.permissions import PUBLIC, only, register
from tilgang.core.roles import Role

router = Router(tags=["catalog"])


class AreaOut(Schema):
    code: str
    name_nb: str
    name_en: str
    variable_count: int


class CoverageOut(Schema):
    year: int
    publication_date: date | None
    embargoed: bool


class VariableOut(Schema):
    name: str
    label_nb: str
    label_en: str
    definition_nb: str
    definition_en: str
    area: str
    register_code: str
    source_kind: str
    deliverable: bool
    unit_type: str
    temporality: str
    data_type: str
    codelist: str | None
    years: list[int]
    sensitivity: str
    identifying: str
    price_group: str
    withdrawn: bool
    register_version: str


class VariableDetailOut(VariableOut):
    coverage: list[CoverageOut]


class VariablePageOut(Schema):
    total: int
    items: list[VariableOut]


class CodeOut(Schema):
    code: str
    label_nb: str
    label_en: str
    valid_from: date | None
    valid_to: date | None


class CodeListOut(Schema):
    name: str
    source: str
    codes: list[CodeOut]


class SelectedVariableOut(Schema):
    name: str
    years: list[int]
    dates: list[str]
    periods: list[list[str]]
    lines: list[int]


class SelectionOut(Schema):
    source: str
    variables: list[SelectedVariableOut]
    notices: list[str]


class ProblemOut(Schema):
    line: int | None
    message: str


class SelectionErrorOut(Schema):
    detail: str
    problems: list[ProblemOut]


class ErrorOut(Schema):
    detail: str


class ScriptIn(Schema):
    text: str


class TextsIn(Schema):
    label_nb: str | None = None
    label_en: str | None = None
    definition_nb: str | None = None
    definition_en: str | None = None


class DatesIn(Schema):
    # {"2024": "2025-03-01"}; null clears the staff edit and the loaded date shows again.
    dates: dict[int, date | None]


def _variable(variable: Variable, *, detail: bool = False) -> dict:
    out = {
        "name": variable.name,
        "label_nb": variable.shown_label_nb,
        "label_en": variable.shown_label_en,
        "definition_nb": variable.shown_definition_nb,
        "definition_en": variable.shown_definition_en,
        "area": variable.area.code,
        "register_code": variable.register.code,
        "source_kind": variable.register.source_kind,
        "deliverable": variable.deliverable,
        "unit_type": variable.unit_type,
        "temporality": variable.temporality,
        "data_type": variable.data_type,
        "codelist": variable.codelist.name if variable.codelist else None,
        "years": variable.year_list(),
        "sensitivity": variable.sensitivity,
        "identifying": variable.identifying,
        "price_group": variable.price_group,
        "withdrawn": variable.withdrawn_at is not None,
        "register_version": variable.register_version,
    }
    if detail:
        today = timezone.localdate()
        out["coverage"] = [
            {"year": row.year, "publication_date": row.publication_date, "embargoed": row.embargoed(today)}
            for row in variable.coverage.all()
        ]
    return out


def _selection(selection: services.Selection) -> dict:
    return {
        "source": selection.source,
        "variables": [
            {
                "name": item.name,
                "years": list(item.years),
                "dates": list(item.dates),
                "periods": [list(period) for period in item.periods],
                "lines": list(item.lines),
            }
            for item in selection.variables
        ],
        "notices": list(selection.notices),
    }


def _selection_error(error: services.SelectionError) -> Status:
    return Status(
        422,
        {
            "detail": str(error),
            "problems": [{"line": problem.line, "message": problem.message} for problem in error.problems],
        },
    )


@router.get("/areas", response=list[AreaOut], url_name="catalog_areas", auth=None)
def areas(request):
    return [
        {"code": a.code, "name_nb": a.name_nb, "name_en": a.name_en, "variable_count": a.variable_count}  # type: ignore[attr-defined]
        for a in selectors.areas_with_counts()
    ]


@router.get("/variables", response=VariablePageOut, url_name="catalog_variables", auth=None)
def variables(
    request,
    q: str = "",
    area: str = "",
    unit_type: str = "",
    temporality: str = "",
    sensitivity: str = "",
    limit: int = 100,
    offset: int = 0,
):
    """Search as on the portal: every word must match; sensitivity "none" for no special category."""
    result = selectors.variable_search(
        q=q[:200], area=area, unit_type=unit_type, temporality=temporality, sensitivity=sensitivity
    )
    limit, offset = max(1, min(limit, 1000)), max(0, offset)
    return {"total": result.total, "items": [_variable(v) for v in result.page(offset, limit)]}


@router.get(
    "/variables/{name}",
    response={200: VariableDetailOut, 404: ErrorOut},
    url_name="catalog_variable",
    auth=None,
)
def variable(request, name: str):
    found = selectors.variable_get(name)
    if found is None:
        return Status(404, {"detail": _("No such thing in the catalog.")})
    return _variable(found, detail=True)


@router.get(
    "/codelists/{name}", response={200: CodeListOut, 404: ErrorOut}, url_name="catalog_codelist", auth=None
)
def codelist(request, name: str):
    found = selectors.codelist_get(name)
    if found is None:
        return Status(404, {"detail": _("No such thing in the catalog.")})
    return {
        "name": found.name,
        "source": found.source,
        "codes": [
            {
                "code": c.code,
                "label_nb": c.label_nb,
                "label_en": c.label_en,
                "valid_from": c.valid_from,
                "valid_to": c.valid_to,
            }
            for c in found.codes.all()
        ],
    }


@router.post(
    "/selections/from-upload",
    response={200: SelectionOut, 422: SelectionErrorOut},
    url_name="catalog_selection_upload",
    auth=None,
)
def selection_upload(request, file: File[UploadedFile]):
    """A ticked variable list (.xlsx, .csv) or a microdata.no script (.txt) as a selection."""
    if (file.size or 0) > MAX_BYTES:
        return Status(422, {"detail": _("The file is larger than 5 MB."), "problems": []})
    try:
        selection = services.selection_from_upload(filename=file.name or "", content=file.read())
    except services.SelectionError as error:
        return _selection_error(error)
    return _selection(selection)


@router.post(
    "/selections/from-script",
    response={200: SelectionOut, 422: SelectionErrorOut},
    url_name="catalog_selection_script",
    auth=None,
)
def selection_script(request, payload: ScriptIn):
    try:
        selection = services.selection_from_script(text=payload.text)
    except services.SelectionError as error:
        return _selection_error(error)
    return _selection(selection)


@router.post(
    "/variables/{name}/texts/update",
    response={200: VariableDetailOut, 404: ErrorOut},
    url_name="catalog_variable_texts_update",
)
def variable_texts_update(request, name: str, payload: TextsIn):
    found = selectors.variable_get(name)
    if found is None:
        return Status(404, {"detail": _("No such thing in the catalog.")})
    texts = {key: value for key, value in payload.dict().items() if value is not None}
    services.variable_texts_update(actor=request.user, variable=found, texts=texts)
    return _variable(selectors.variable_get(name), detail=True)  # type: ignore[arg-type]


@router.post(
    "/variables/{name}/publication-dates/set",
    response={200: VariableDetailOut, 400: ErrorOut, 404: ErrorOut},
    url_name="catalog_publication_dates_set",
)
def publication_dates_set(request, name: str, payload: DatesIn):
    found = selectors.variable_get(name)
    if found is None:
        return Status(404, {"detail": _("No such thing in the catalog.")})
    try:
        with transaction.atomic():
            services.variable_publication_dates_set(actor=request.user, variable=found, dates=payload.dates)
    except services.CatalogError as error:
        return Status(400, {"detail": str(error)})
    return _variable(selectors.variable_get(name), detail=True)  # type: ignore[arg-type]


_EDITORS = only(Role.ADMINISTRATOR, Role.CASE_OFFICER)
register(
    {
        "api:catalog_areas": PUBLIC,
        "api:catalog_variables": PUBLIC,
        "api:catalog_variable": PUBLIC,
        "api:catalog_codelist": PUBLIC,
        "api:catalog_selection_upload": PUBLIC,
        "api:catalog_selection_script": PUBLIC,
        "api:catalog_variable_texts_update": _EDITORS,
        "api:catalog_publication_dates_set": _EDITORS,
    }
)
