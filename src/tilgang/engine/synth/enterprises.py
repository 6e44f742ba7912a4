"""The enterprise register ("grunndata", DOMAIN R-DATA-8): enterprises and their establishments.

Every municipality and county is an employer, as are a few large state bodies; the private sector is
many small firms and a few large ones (a Pareto size distribution). Organisation numbers are random
8xxxxxxxx/9xxxxxxxx numbers with a valid modulus-11 check digit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tilgang.engine import codelists
from tilgang.engine.ids import _ORG_W
from tilgang.engine.schema import TABLES
from tilgang.engine.synth import params as P
from tilgang.engine.synth.arrow import date_array, string_array

# Words that make a private firm's name look like its trade, by NACE subclass.
TRADE_WORDS = {
    "01.410": ["Gård", "Melk"], "03.211": ["Havbruk", "Laks", "Sjømat"], "06.100": ["Petroleum", "Olje"],
    "09.101": ["Drilling", "Offshore"], "10.200": ["Fiskeindustri", "Fisk"], "16.100": ["Sag", "Trelast"],
    "24.420": ["Aluminium", "Metall"], "25.110": ["Mekaniske", "Stål"], "30.110": ["Verft", "Skipsverft"],
    "33.150": ["Båtservice", "Marine"], "35.111": ["Kraft", "Energi"], "38.110": ["Renovasjon", "Gjenvinning"],
    "41.200": ["Bygg", "Byggmester", "Hus"], "42.110": ["Anlegg", "Maskin"], "43.210": ["Elektro", "Installasjon"],
    "45.111": ["Bil", "Auto"], "46.900": ["Engros", "Handel"], "47.111": ["Matsenter", "Dagligvare"],
    "47.730": ["Apotek"], "49.410": ["Transport", "Frakt"], "50.201": ["Rederi", "Shipping"],
    "52.100": ["Lager", "Logistikk"], "53.100": ["Post"], "55.101": ["Hotell", "Fjordhotell"],
    "56.101": ["Kafé", "Restaurant", "Bistro"], "58.130": ["Avis", "Tidende"], "61.100": ["Nett", "Fiber"],
    "62.010": ["Data", "Software", "Utvikling"], "62.020": ["IT", "Digital", "Konsulent"],
    "64.190": ["Sparebank"], "65.110": ["Forsikring"], "68.209": ["Eiendom", "Gårdeierselskap"],
    "69.100": ["Advokatfirma"], "69.201": ["Revisjon"], "70.220": ["Rådgivning", "Consulting"],
    "71.121": ["Rådgivende Ingeniører", "Prosjekt"], "72.190": ["Forskning", "Lab"], "73.110": ["Reklame", "Kommunikasjon"],
    "78.200": ["Bemanning", "Personell"], "80.100": ["Vakt", "Sikkerhet"], "81.210": ["Renhold", "Rengjøring"],
    "86.211": ["Legesenter"], "87.101": ["Omsorgssenter"], "88.911": ["Barnehage", "Naturbarnehage"],
    "90.010": ["Musikk", "Scene"], "93.110": ["Idrettspark", "Arena"], "94.200": ["Fagforbund"], "96.021": ["Frisør", "Salong"],
}  # fmt: skip
# Employment weight of each private subclass (relative).
PRIVATE_WEIGHTS = {
    "01.410": 2, "03.211": 2, "06.100": 1.2, "09.101": 1, "10.200": 2, "16.100": 1, "24.420": 0.6, "25.110": 2,
    "30.110": 1, "33.150": 1, "35.111": 0.8, "38.110": 0.8, "41.200": 6, "42.110": 3, "43.210": 7, "45.111": 2,
    "46.900": 6, "47.111": 8, "47.730": 1, "49.410": 4, "50.201": 1.5, "52.100": 1.5, "53.100": 0.6, "55.101": 2,
    "56.101": 5, "58.130": 0.6, "61.100": 0.8, "62.010": 4, "62.020": 3, "64.190": 1.5, "65.110": 0.8, "68.209": 3,
    "69.100": 1, "69.201": 1, "70.220": 3, "71.121": 2.5, "72.190": 0.8, "73.110": 1, "78.200": 3, "80.100": 1,
    "81.210": 2.5, "86.211": 1.5, "87.101": 1, "88.911": 2, "90.010": 0.8, "93.110": 0.8, "94.200": 0.5, "96.021": 1.5,
}  # fmt: skip
STATE_BODIES = [
    ("Universitetet i Oslo", "85.421", "0301", 7000), ("Universitetet i Bergen", "85.421", "4601", 4000),
    ("Norges teknisk-naturvitenskapelige universitet NTNU", "85.421", "5001", 7500),
    ("UiT Norges arktiske universitet", "85.421", "5501", 3800), ("Oslo universitetssykehus HF", "86.101", "0301", 24000),
    ("Helse Bergen HF", "86.101", "4601", 13000), ("St. Olavs hospital HF", "86.101", "5001", 11000),
    ("Universitetssykehuset Nord-Norge HF", "86.101", "5501", 6500), ("Politiet", "84.240", "0301", 18000),
    ("Arbeids- og velferdsetaten", "84.110", "0301", 14000), ("Skatteetaten", "84.110", "0301", 6500),
]  # fmt: skip


@dataclass
class Employers:
    """What the job generator needs: establishments and how likely each is to be the employer."""

    orgnr: npt.NDArray[np.bytes_]
    county: npt.NDArray[np.int16]  # index into the counties code list
    weight: npt.NDArray[np.float64]
    enterprises: pa.Table
    establishments: pa.Table


def _orgnrs(rng: np.random.Generator, count: int) -> npt.NDArray[np.bytes_]:
    """Unique random organisation numbers with valid check digits (first digit 8 or 9)."""
    base = rng.choice(20_000_000, size=int(count * 1.15) + 16, replace=False) + 80_000_000
    digits = np.stack([base // 10 ** (7 - i) % 10 for i in range(8)], axis=1)
    rem = (digits @ np.array(_ORG_W)) % 11
    check = np.where(rem == 0, 0, 11 - rem)
    ok = check != 10
    number = base[ok][:count] * 10 + check[ok][:count]
    if number.shape[0] < count:
        raise RuntimeError("not enough organisation numbers drawn")
    return number.astype("S9")


def build(n_persons: int, seed: int) -> Employers:
    rng = np.random.default_rng([seed, 2])
    munis = codelists.rows("municipalities")
    muni_codes = np.array([m["code"] for m in munis])
    muni_names = [m["name_nb"].split(" - ")[0] for m in munis]
    county_codes = [c["code"] for c in codelists.rows("counties")]
    county_of = {m["code"]: county_codes.index(m["county"]) for m in munis}
    pop_w = np.array(
        [P.MUNICIPALITY_POPULATION.get(c, P.SMALL_MUNICIPALITY) for c in muni_codes], dtype=float
    )
    scale = n_persons / 5_500_000

    ent: dict[str, list] = {k: [] for k in ("name", "nace", "sector", "muni", "employees", "start")}
    est: dict[str, list] = {k: [] for k in ("ent", "name", "nace", "muni", "employees", "start")}

    def add_enterprise(name: str, nace: str, sector: str, muni: int, employees: int, start: int) -> int:
        for key, value in zip(ent, (name, nace, sector, muni, employees, start), strict=True):
            ent[key].append(value)
        return len(ent["name"]) - 1

    def add_establishment(e: int, name: str, nace: str, muni: int, employees: int, start: int) -> None:
        for key, value in zip(est, (e, name, nace, muni, employees, start), strict=True):
            est[key].append(value)

    old = P.day("1995-02-01")  # when the Central Coordinating Register opened
    # Municipalities: administration, schools, kindergartens, nursing homes.
    for i, name in enumerate(muni_names):
        size = pop_w[i] * scale
        e = add_enterprise(f"{name} kommune".upper(), "84.110", "1520", i, 0, old)
        add_establishment(
            e, f"{name} kommune, administrasjon".upper(), "84.110", i, max(1, int(size / 150)), old
        )
        for kind, nace, per, staff in (
            ("skole", "85.201", 4000, 45),
            ("barnehage", "88.911", 3000, 20),
            ("sykehjem", "87.101", 6000, 70),
        ):
            for k in range(max(1, int(round(size / per)))):
                add_establishment(
                    e,
                    f"{name} kommune, {kind} {k + 1}".upper(),
                    nace,
                    i,
                    int(staff * rng.uniform(0.5, 1.5)),
                    old,
                )
    # Counties: upper secondary schools.
    for c, county in enumerate(codelists.rows("counties")):
        in_county = [i for i, m in enumerate(munis) if m["county"] == county["code"]]
        e = add_enterprise(
            f"{county['name_nb']} fylkeskommune".upper(), "84.110", "1510", in_county[0], 0, old
        )
        for k in range(max(1, int(round(sum(pop_w[in_county]) * scale / 25000)))):
            muni = int(rng.choice(in_county, p=pop_w[in_county] / pop_w[in_county].sum()))
            add_establishment(
                e,
                f"{muni_names[muni]} videregående skole {k + 1}".upper(),
                "85.310",
                muni,
                int(rng.uniform(40, 150)),
                old,
            )
        del c
    # State bodies.
    for name, nace, muni_code, staff in STATE_BODIES:
        muni = int(np.flatnonzero(muni_codes == muni_code)[0])
        e = add_enterprise(name.upper(), nace, "1110", muni, 0, old)
        parts = max(1, int(staff * scale / 800))
        for k in range(parts):
            add_establishment(
                e, f"{name} avd. {k + 1}".upper(), nace, muni, max(1, int(staff * scale / parts)), old
            )
    # Private firms.
    subclasses = list(PRIVATE_WEIGHTS)
    w = np.array([PRIVATE_WEIGHTS[s] for s in subclasses])
    n_private = max(50, n_persons // 25)
    p_nace = rng.choice(len(subclasses), size=n_private, p=w / w.sum())
    p_muni = rng.choice(len(munis), size=n_private, p=pop_w / pop_w.sum())
    size = np.minimum(1 + (rng.pareto(1.15, n_private) * 2.2).astype(np.int64), int(max(50, 20000 * scale)))
    start = P.WINDOW_END - 1 - (rng.exponential(14.0, n_private) * P.YEAR_DAYS).astype(np.int64)
    start = np.maximum(start, P.day("1900-01-01"))
    p_sector = rng.choice(
        ["2100", "2300", "7000", "6100", "6500", "3200"],
        size=n_private,
        p=[0.8, 0.12, 0.05, 0.01, 0.015, 0.005],
    )
    word_pick = rng.random(n_private)
    for j in range(n_private):
        sub = subclasses[p_nace[j]]
        words = TRADE_WORDS[sub]
        word = words[int(word_pick[j] * len(words))]
        suffix = {
            "2100": " AS",
            "2300": "",
            "7000": " STIFTELSE",
            "6100": " AS",
            "6500": " KF",
            "3200": " ASA",
        }[str(p_sector[j])]
        sec = "3200" if sub == "64.190" else str(p_sector[j])
        name = f"{muni_names[p_muni[j]]} {word}{suffix}".upper()
        e = add_enterprise(name, sub, sec, int(p_muni[j]), 0, int(start[j]))
        parts = 1 if size[j] < 50 else min(20, 1 + int(size[j]) // 80)
        for k in range(parts):
            where = int(p_muni[j]) if k == 0 else int(rng.choice(len(munis), p=pop_w / pop_w.sum()))
            label = name if parts == 1 else f"{name} AVD. {muni_names[where].upper()}"
            add_establishment(e, label, sub, where, max(1, int(size[j]) // parts), int(start[j]) + k * 30)

    n_ent, n_est = len(ent["name"]), len(est["name"])
    orgnrs = _orgnrs(rng, n_ent + n_est)
    ent_orgnr, est_orgnr = orgnrs[:n_ent], orgnrs[n_ent:]
    est_ent = np.array(est["ent"])
    est_employees = np.array(est["employees"], dtype=np.int64)
    ent_employees = np.bincount(est_ent, weights=est_employees, minlength=n_ent).astype(np.int32)
    est_muni = np.array(est["muni"])
    est_start = np.maximum(np.array(est["start"]), np.array(ent["start"])[est_ent])

    enterprises = pa.table(
        {
            "orgnr": string_array(ent_orgnr),
            "name": pa.array(ent["name"], pa.string()),
            "nace": pa.array(ent["nace"], pa.string()),
            "sector": pa.array(ent["sector"], pa.string()),
            "municipality": pa.array(muni_codes[np.array(ent["muni"])].tolist(), pa.string()),
            "employees": pa.array(ent_employees, pa.int32()),
            "start_date": date_array(np.array(ent["start"])),
        },
        schema=TABLES["enterprises"],
    )
    establishments = pa.table(
        {
            "orgnr": string_array(est_orgnr),
            "enterprise_orgnr": string_array(ent_orgnr[est_ent]),
            "name": pa.array(est["name"], pa.string()),
            "nace": pa.array(est["nace"], pa.string()),
            "municipality": pa.array(muni_codes[est_muni].tolist(), pa.string()),
            "employees": pa.array(est_employees.astype(np.int32), pa.int32()),
            "start_date": date_array(est_start),
        },
        schema=TABLES["establishments"],
    )
    est_county = np.array([county_of[c] for c in muni_codes[est_muni]], dtype=np.int16)
    return Employers(
        orgnr=est_orgnr,
        county=est_county,
        weight=est_employees.astype(np.float64),
        enterprises=enterprises,
        establishments=establishments,
    )
