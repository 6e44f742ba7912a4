"""Writes the list files the import tests read, in the layouts the publishers use (docs/institutions.md).

Run from the repository root: ``uv run python tests/institutions/data/make_fixtures.py``. The files are
committed; this script documents how they were made. The five universities and the institute are real
(public facts); the other organisations are invented, with organisation numbers that pass the check digit.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent

NFR_HEADER = ["Organisasjonsnummer", "Navn", "Kategori", "Godkjent fra"]
NFR_2025 = [
    ("971035854", "Universitetet i Oslo", "Universitet og høgskole", date(2004, 1, 1)),
    ("874789542", "Universitetet i Bergen", "Universitet og høgskole", date(2004, 1, 1)),
    (
        "974767880",
        "Norges teknisk-naturvitenskapelige universitet NTNU",
        "Universitet og høgskole",
        date(2004, 1, 1),
    ),
    ("983744516", "Folkehelseinstituttet", "Helseforetak og forvaltning", date(2004, 1, 1)),
    ("980242218", "Stiftelsen Samfunnsøkonomisk analyse", "Forskningsinstitutt", date(2012, 5, 1)),
    ("970141669", "Vestlandsforskning", "Forskningsinstitutt", date(2009, 3, 15)),
]
# A year on: one renamed, one gone, two new.
NFR_2026 = [
    ("971035854", "Universitetet i Oslo", "Universitet og høgskole", date(2004, 1, 1)),
    ("874789542", "Universitetet i Bergen", "Universitet og høgskole", date(2004, 1, 1)),
    (
        "974767880",
        "Norges teknisk-naturvitenskapelige universitet NTNU",
        "Universitet og høgskole",
        date(2004, 1, 1),
    ),
    ("983744516", "Folkehelseinstituttet", "Helseforetak og forvaltning", date(2004, 1, 1)),
    ("980242218", "Stiftelsen Samfunnsøkonomisk analyse Oslo", "Forskningsinstitutt", date(2012, 5, 1)),
    ("970422528", "UiT Norges arktiske universitet", "Universitet og høgskole", date(2004, 1, 1)),
    ("874761532", "Nordnorsk institutt for arbeidslivsforskning", "Forskningsinstitutt", date(2025, 11, 1)),
]

EUROSTAT_HEADER = ["Country", "Name of the research entity", "Date of recognition"]
EUROSTAT_2025 = [
    ("Belgium", "Katholieke Universiteit Leuven", "12/03/2015"),
    ("Denmark", "Aarhus Universitet", "02/09/2016"),
    ("Germany", "Deutsches Institut für Wirtschaftsforschung", "20/01/2014"),
    ("Norway", "Universitetet i Oslo", "01/06/2014"),
    ("Sweden", "Karolinska Institutet", "01/09/2016"),
    ("Switzerland", "Universität Zürich", "15/10/2017"),
    ("United States", "Harvard University", "04/04/2018"),
]


def _xlsx(path: Path, header: list[str], rows, title: str) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Godkjente"
    sheet.append([title])
    sheet.append(["Oppdatert av Forskningsrådet"])
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    book.save(path)


def _csv(path: Path, header: list[str], rows) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        for row in rows:
            writer.writerow(
                [value.strftime("%d.%m.%Y") if isinstance(value, date) else value for value in row]
            )


def _pdf(path: Path, header: list[str], rows) -> None:
    from weasyprint import HTML

    cells = "".join("<tr>" + "".join(f"<td>{value}</td>" for value in row) + "</tr>" for row in rows)
    heads = "".join(f"<th>{value}</th>" for value in header)
    html = f"""<html><head><style>
    @page {{ size: A4 landscape; margin: 15mm; }}
    body {{ font-family: 'DejaVu Sans'; font-size: 9pt; }}
    table {{ border-collapse: collapse; width: 100%; }} td, th {{ border: 1px solid #999; padding: 3pt 6pt; text-align: left; }}
    </style></head><body><h1>List of recognised research entities</h1>
    <p>Eurostat – Access to European microdata for scientific purposes</p>
    <table><thead><tr>{heads}</tr></thead><tbody>{cells}</tbody></table></body></html>"""
    HTML(string=html).write_pdf(path)


def main() -> None:
    _xlsx(HERE / "nfr_2025.xlsx", NFR_HEADER, NFR_2025, "Godkjente forskningsorganisasjoner")
    _xlsx(HERE / "nfr_2026.xlsx", NFR_HEADER, NFR_2026, "Godkjente forskningsorganisasjoner")
    _csv(HERE / "nfr_2026.csv", NFR_HEADER, NFR_2026)
    _xlsx(
        HERE / "nfr_wrong_layout.xlsx",
        ["Org", "Institusjon", "Fylke"],
        [(r[0], r[1], "Oslo") for r in NFR_2025],
        "Liste",
    )
    duplicated = [
        *NFR_2025,
        (
            "971035854",
            "Universitetet i Oslo, Det medisinske fakultet",
            "Universitet og høgskole",
            date(2010, 1, 1),
        ),
    ]
    _csv(HERE / "nfr_duplicate_orgnr.csv", NFR_HEADER, duplicated)
    _pdf(HERE / "eurostat_2025.pdf", EUROSTAT_HEADER, EUROSTAT_2025)
    _csv(HERE / "eurostat_2025.csv", EUROSTAT_HEADER, EUROSTAT_2025)


if __name__ == "__main__":
    main()
