"""Stage 1 of the generator: the core of every person, drawn for the whole population at once.

A handful of small arrays per person (dates as int32 days since 1970, codes as small integers):
enough to link people to each other (parents, partners) and to give every person unique national
IDs. At 5.5M persons this is a few hundred MB; everything bulky is made later, chunk by chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tilgang.engine import codelists
from tilgang.engine.ids import synthetic_ids_array, synthetic_ids_valid
from tilgang.engine.synth import params as P

NONE = np.int32(np.iinfo(np.int32).max)  # "never" for dates: sorts after every real date

# Origin of a person in the window.
STOCK_NATIVE, BORN, IMMIGRANT, STOCK_IMMIGRANT, STOCK_FOREIGN_BORN_NORWEGIAN = 0, 1, 2, 3, 4
CATEGORIES = np.array(["A", "B", "C", "E", "F", "G"])
CAT_A, CAT_B, CAT_C, CAT_E, CAT_F, CAT_G = range(6)

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]


@dataclass
class Population:
    sex: npt.NDArray[np.int8]  # 1 male, 2 female
    birth: I32
    death: I32  # NONE while alive at the end of the window
    origin: npt.NDArray[np.int8]
    country: npt.NDArray[np.int16]  # index into codelists "countries"
    category: npt.NDArray[np.int8]  # index into CATEGORIES
    arrival: I32  # immigration date (birth date for the Norwegian-born)
    resident_from: I32  # first day registered as resident; NONE for persons only ever holding a D-number
    emigration: I32  # NONE unless the person leaves Norway (for D-number holders: end of stay)
    dnr_from: I32  # NONE without a D-number
    fnr_from: I32  # NONE without a fødselsnummer
    dnr: npt.NDArray[np.bytes_]  # 11-char IDs, b"" when none
    fnr: npt.NDArray[np.bytes_]
    mother: I64  # index into the population, -1 unknown
    father: I64
    partner: I64  # a woman's partner (father of most of her children), -1 otherwise
    municipality: npt.NDArray[np.int16]  # index into codelists "municipalities": first residence
    earnings: npt.NDArray[np.float32]  # personal pay factor (log-normal around 1)

    @property
    def size(self) -> int:
        return int(self.sex.shape[0])

    def id_at(self, index: I64, when: npt.NDArray[np.int64] | I32) -> npt.NDArray[np.bytes_]:
        """The national ID in force for persons ``index`` on dates ``when`` (a D-number until the
        fødselsnummer is issued)."""
        use_fnr = (self.fnr_from[index] <= when) | (self.dnr_from[index] == NONE)
        return np.where(use_fnr, self.fnr[index], self.dnr[index])


def municipality_weights() -> npt.NDArray[np.float64]:
    codes = [row["code"] for row in codelists.rows("municipalities")]
    return np.array([P.MUNICIPALITY_POPULATION.get(c, P.SMALL_MUNICIPALITY) for c in codes], dtype=np.float64)


def _survival(age: npt.NDArray[np.float64], male: bool) -> npt.NDArray[np.float64]:
    alpha = P.GOMPERTZ_ALPHA + (P.GOMPERTZ_MALE_SHIFT if male else 0.0)
    return np.exp(-(np.exp(alpha) / P.GOMPERTZ_BETA) * (np.exp(P.GOMPERTZ_BETA * age) - 1.0))


def _gompertz_remaining(rng: np.random.Generator, age0: npt.NDArray[np.float64], male: npt.NDArray[np.bool_]):
    """Remaining years of life at age ``age0`` under the Gompertz hazard (inverse transform)."""
    alpha = P.GOMPERTZ_ALPHA + np.where(male, P.GOMPERTZ_MALE_SHIFT, 0.0)
    e = rng.exponential(1.0, age0.shape[0])
    return np.log1p(P.GOMPERTZ_BETA * e / np.exp(alpha + P.GOMPERTZ_BETA * age0)) / P.GOMPERTZ_BETA


def _year_start(years: npt.NDArray[np.int64]) -> I64:
    return (years - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def _random_day_in_year(rng: np.random.Generator, years: npt.NDArray[np.int64]) -> I64:
    start = _year_start(years)
    length = _year_start(years + 1) - start
    return start + (rng.random(years.shape[0]) * length).astype(np.int64)


def build(n: int, seed: int) -> Population:
    rng = np.random.default_rng([seed, 1])
    countries = [row["iso2"] for row in codelists.rows("countries")]
    iso_index = {iso: i for i, iso in enumerate(countries)}
    n_born = int(round(n * P.SHARE_BORN))
    n_imm = int(round(n * P.SHARE_IMMIGRANT))
    n_stock = n - n_born - n_imm

    sex = np.where(rng.random(n) < 0.512, 1, 2).astype(np.int8)
    origin = np.empty(n, dtype=np.int8)
    birth = np.empty(n, dtype=np.int64)
    arrival = np.empty(n, dtype=np.int64)
    country = np.zeros(n, dtype=np.int16)
    category = np.zeros(n, dtype=np.int8)

    # The population at 1 January 2000: cohorts by births and survival to 2000.
    stock = np.arange(n_stock)
    cohort_years = np.arange(1905, P.FIRST_YEAR)
    weights = P.interp_years(P.BIRTHS_ANCHORS, cohort_years) * (
        _survival((P.FIRST_YEAR - cohort_years).astype(float), False)
        + _survival((P.FIRST_YEAR - cohort_years).astype(float), True)
    )
    years = rng.choice(cohort_years, size=n_stock, p=weights / weights.sum())
    birth[stock] = _random_day_in_year(rng, years)
    arrival[stock] = birth[stock]
    origin[stock] = STOCK_NATIVE
    u = rng.random(n_stock)
    old_enough = birth[stock] < P.day("1996-01-01")
    imm_stock = stock[(u < P.STOCK_IMMIGRANT_SHARE) & old_enough]
    fbn_stock = stock[
        (u >= P.STOCK_IMMIGRANT_SHARE) & (u < P.STOCK_IMMIGRANT_SHARE + P.STOCK_FOREIGN_BORN_NORWEGIAN_SHARE)
    ]
    origin[imm_stock] = STOCK_IMMIGRANT
    origin[fbn_stock] = STOCK_FOREIGN_BORN_NORWEGIAN
    earliest = np.maximum(birth[imm_stock] + 180, P.day("1965-01-01"))
    arrival[imm_stock] = earliest + (rng.random(imm_stock.shape[0]) * (P.WINDOW_START - earliest)).astype(
        np.int64
    )
    arrival[fbn_stock] = birth[fbn_stock] + (
        rng.random(fbn_stock.shape[0]) * (P.WINDOW_START - birth[fbn_stock])
    ).astype(np.int64)
    country[imm_stock] = _draw_countries(rng, np.full(imm_stock.shape[0], 1990), countries)
    country[fbn_stock] = rng.choice(
        [iso_index[c] for c in ("SE", "DK", "US", "GB", "DE", "ES")], size=fbn_stock.shape[0]
    )
    category[imm_stock] = CAT_B
    category[fbn_stock] = np.where(rng.random(fbn_stock.shape[0]) < 0.85, CAT_G, CAT_E)

    # Births in the window.
    born = np.arange(n_stock, n_stock + n_born)
    window_years = np.arange(P.FIRST_YEAR, P.LAST_YEAR + 1)
    w = P.interp_years(P.BIRTHS_ANCHORS, window_years)
    birth[born] = _random_day_in_year(rng, rng.choice(window_years, size=n_born, p=w / w.sum()))
    arrival[born] = birth[born]
    origin[born] = BORN

    # Immigrations in the window.
    imm = np.arange(n_stock + n_born, n)
    w = np.array([P.IMMIGRATION_BY_YEAR[int(y)] for y in window_years], dtype=float)
    arr_years = rng.choice(window_years, size=n_imm, p=w / w.sum())
    arrival[imm] = _random_day_in_year(rng, arr_years)
    child = rng.random(n_imm) < 0.15
    age = np.where(child, rng.random(n_imm) * 16.0, 18.0 + np.minimum(rng.gamma(2.0, 6.0, n_imm), 57.0))
    birth[imm] = arrival[imm] - (age * P.YEAR_DAYS).astype(np.int64)
    origin[imm] = IMMIGRANT
    country[imm] = _draw_countries(rng, arr_years, countries)
    category[imm] = CAT_B
    sex[imm] = np.where(rng.random(n_imm) < 0.55, 1, 2).astype(np.int8)

    # Death: the Gompertz hazard from the day a person enters the window.
    entry = np.where(origin == IMMIGRANT, arrival, np.maximum(birth, P.WINDOW_START))
    age0 = (entry - birth) / P.YEAR_DAYS
    death = entry + (_gompertz_remaining(rng, age0, sex == 1) * P.YEAR_DAYS).astype(np.int64)
    death = np.where(death >= P.WINDOW_END, NONE, death)

    # National IDs: D-numbers for many labour immigrants; some later get a fødselsnummer.
    eu = np.isin(country, [iso_index[c] for c in P.NORDIC_EU if c in iso_index])
    has_dnr = (origin == IMMIGRANT) & (rng.random(n) < np.where(eu, 0.45, 0.08)) & (arrival >= P.WINDOW_START)
    converts = has_dnr & (rng.random(n) < 0.55)
    dnr_from = np.where(has_dnr, arrival, NONE).astype(np.int64)
    fnr_from = np.where(origin == STOCK_NATIVE, np.maximum(birth, P.day("1964-10-01")), arrival)
    fnr_from = np.where(origin == BORN, birth, fnr_from)
    fnr_from = np.where(converts, arrival + rng.integers(90, 900, n), fnr_from)
    fnr_from = np.where(has_dnr & ~converts, NONE, fnr_from)
    fnr_from = np.where((fnr_from >= np.minimum(death, P.WINDOW_END)) & has_dnr, NONE, fnr_from)
    resident_from = np.where(origin == STOCK_NATIVE, birth, np.where(origin == BORN, birth, fnr_from))
    resident_from = np.where(origin == STOCK_IMMIGRANT, arrival, resident_from)

    # Emigration (and the end of stay for those only ever holding a D-number).
    rate = np.where(
        category == CAT_B,
        np.where(eu, P.EMIGRATION_RATE["eu"], P.EMIGRATION_RATE["other"]),
        P.EMIGRATION_RATE["native"],
    )
    start = np.where(resident_from == NONE, dnr_from, np.maximum(resident_from, P.WINDOW_START))
    stay = rng.exponential(1.0, n) / rate
    stay = np.where(resident_from == NONE, rng.exponential(1.5, n), stay)
    emigration = start + (stay * P.YEAR_DAYS).astype(np.int64) + 1
    emigration = np.where((emigration >= np.minimum(death, P.WINDOW_END)) | (start == NONE), NONE, emigration)

    pop = Population(
        sex=sex,
        birth=birth.astype(np.int32),
        death=death.astype(np.int32),
        origin=origin,
        country=country,
        category=category,
        arrival=arrival.astype(np.int32),
        resident_from=resident_from.astype(np.int32),
        emigration=emigration.astype(np.int32),
        dnr_from=dnr_from.astype(np.int32),
        fnr_from=fnr_from.astype(np.int32),
        dnr=np.full(n, b"", dtype="S11"),
        fnr=np.full(n, b"", dtype="S11"),
        mother=np.full(n, -1, dtype=np.int64),
        father=np.full(n, -1, dtype=np.int64),
        partner=np.full(n, -1, dtype=np.int64),
        municipality=np.zeros(n, dtype=np.int16),
        earnings=np.exp(rng.normal(0.0, 0.28, n)).astype(np.float32),
    )
    _link_families(rng, pop)
    _assign_municipalities(rng, pop)
    with_fnr = np.flatnonzero(pop.fnr_from != NONE)
    pop.fnr[with_fnr] = assign_ids(rng, pop.birth[with_fnr], pop.sex[with_fnr], d_number=False)
    with_dnr = np.flatnonzero(pop.dnr_from != NONE)
    pop.dnr[with_dnr] = assign_ids(rng, pop.birth[with_dnr], pop.sex[with_dnr], d_number=True)
    return _shuffle(rng, pop)


def _draw_countries(
    rng: np.random.Generator, years: npt.NDArray[np.int64], countries: list[str]
) -> npt.NDArray[np.int16]:
    out = np.empty(years.shape[0], dtype=np.int16)
    candidates = [i for i, iso in enumerate(countries) if iso != "NO"]
    for year in np.unique(years):
        w = np.array(
            [
                P.IMMIGRANT_COUNTRIES.get(countries[i], 1.0)
                * P.immigrant_country_factor(countries[i], int(year))
                for i in candidates
            ]
        )
        sel = years == year
        out[sel] = rng.choice(candidates, size=int(sel.sum()), p=w / w.sum())
    return out


def _pick_near(rng: np.random.Generator, sorted_days: I64, target: npt.NDArray[np.int64]) -> I64:
    """Positions in ``sorted_days`` near each target date, with some random spread."""
    pos = np.searchsorted(sorted_days, target) + rng.integers(-40, 41, target.shape[0])
    return np.clip(pos, 0, sorted_days.shape[0] - 1)


def _link_families(rng: np.random.Generator, pop: Population) -> None:
    """Mothers, fathers and partners. Parents are linked for the Norwegian-born from 1953 on, as in
    the Population Register; a parent must be alive and resident at the birth."""
    n = pop.size
    birth = pop.birth.astype(np.int64)
    registered = pop.resident_from != NONE
    women = np.flatnonzero((pop.sex == 2) & registered)
    men = np.flatnonzero((pop.sex == 1) & registered)
    women = women[np.argsort(birth[women], kind="stable")]
    men = men[np.argsort(birth[men], kind="stable")]
    women_birth, men_birth = birth[women], birth[men]

    # A partner for every woman: a man about 2.5 years older.
    target = women_birth - (rng.normal(2.5, 3.5, women.shape[0]) * P.YEAR_DAYS).astype(np.int64)
    pop.partner[women] = men[_pick_near(rng, men_birth, target)]
    # Most immigrant women's partners are immigrants too.
    imm_men = men[pop.category[men] == CAT_B]
    if imm_men.shape[0]:
        sel = (pop.category[women] == CAT_B) & (rng.random(women.shape[0]) < 0.75)
        pop.partner[women[sel]] = imm_men[_pick_near(rng, birth[imm_men], target[sel])]

    children = np.flatnonzero((pop.country == 0) & (pop.birth >= P.day("1953-01-01")) & (pop.origin <= BORN))
    cb = birth[children]

    def eligible(parent: I64, lo_age: float, hi_age: float) -> npt.NDArray[np.bool_]:
        age = (cb - birth[parent]) / P.YEAR_DAYS
        return (
            (age >= lo_age)
            & (age <= hi_age)
            & (pop.death[parent] > cb)
            & (pop.resident_from[parent] <= cb)
            & (parent != children)
        )

    mother = np.full(children.shape[0], -1, dtype=np.int64)
    for _ in range(4):
        todo = mother < 0
        age = np.clip(rng.normal(29.0, 5.2, children.shape[0]), 17.0, 45.0)
        cand = women[_pick_near(rng, women_birth, cb - (age * P.YEAR_DAYS).astype(np.int64))]
        ok = todo & eligible(cand, 16.5, 47.0)
        mother[ok] = cand[ok]
    father = np.full(children.shape[0], -1, dtype=np.int64)
    has_mother = mother >= 0
    partner = np.where(has_mother, pop.partner[np.maximum(mother, 0)], -1)
    use_partner = has_mother & (rng.random(children.shape[0]) < 0.85) & (partner >= 0)
    ok = use_partner & eligible(np.maximum(partner, 0), 16.5, 70.0)
    father[ok] = partner[ok]
    for _ in range(3):
        todo = (father < 0) & (rng.random(children.shape[0]) < 0.97)
        age = np.clip(rng.normal(32.0, 6.0, children.shape[0]), 18.0, 60.0)
        cand = men[_pick_near(rng, men_birth, cb - (age * P.YEAR_DAYS).astype(np.int64))]
        ok = todo & eligible(cand, 17.0, 70.0)
        father[ok] = cand[ok]
    pop.mother[children] = mother
    pop.father[children] = father

    # Immigrant category of the Norwegian-born follows the parents' (DOMAIN: SSB's definitions).
    def immigrant(parent: I64) -> npt.NDArray[np.bool_]:
        return (parent >= 0) & (pop.category[np.maximum(parent, 0)] == CAT_B)

    def foreign_born(parent: I64) -> npt.NDArray[np.bool_]:
        return (parent >= 0) & (pop.country[np.maximum(parent, 0)] != 0)

    m_imm, f_imm = immigrant(mother), immigrant(father)
    cat = np.full(children.shape[0], CAT_A, dtype=np.int8)
    cat[foreign_born(mother) | foreign_born(father)] = CAT_F
    cat[(m_imm & (f_imm | (father < 0))) | (f_imm & (mother < 0))] = CAT_C
    pop.category[children] = cat
    del n


def _assign_municipalities(rng: np.random.Generator, pop: Population) -> None:
    weights = municipality_weights()
    p = weights / weights.sum()
    pop.municipality[:] = rng.choice(weights.shape[0], size=pop.size, p=p)
    # Immigrants settle in Oslo more often than others.
    oslo = np.flatnonzero(pop.category == CAT_B)
    pop.municipality[oslo[rng.random(oslo.shape[0]) < 0.12]] = 0
    # A child born in the window starts where its mother first lived.
    kids = np.flatnonzero((pop.origin == BORN) & (pop.mother >= 0))
    pop.municipality[kids] = pop.municipality[pop.mother[kids]]


def assign_ids(
    rng: np.random.Generator, birth: I32, sex: npt.NDArray[np.int8], *, d_number: bool
) -> npt.NDArray[np.bytes_]:
    """Unique old-rule synthetic IDs (Test-Norge: month + 80) for persons with these birth dates.

    Individual numbers follow the old rules so that century and sex can be read back: 000-499 for
    those born 1900-1999, 500-999 from 2000; odd for men. Persons born on the same day get the valid
    individual numbers in turn.
    """
    n = birth.shape[0]
    out = np.empty(n, dtype="S11")
    if n == 0:
        return out
    order = np.lexsort((np.asarray(rng.random(n)), sex, birth))
    b, s = birth[order].astype(np.int64), sex[order].astype(np.int64)
    key = b * 2 + (s - 1)
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    group = np.repeat(np.arange(starts.shape[0]), np.diff(np.r_[starts, n]))
    rank = np.arange(n) - starts[group]

    dates = b[starts].astype("datetime64[D]")
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = (dates.astype("datetime64[M]").astype(np.int64) % 12) + 1
    days = (dates - dates.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    base = np.where(years >= 2000, 500, 0) + np.where(s[starts] == 1, 1, 0)  # odd individual number = male
    candidates = np.arange(250) * 2  # 250 candidates of the right parity in the century's range

    chosen = np.empty(n, dtype=np.int64)
    step = 4000  # groups at a time: bounded memory
    for g0 in range(0, starts.shape[0], step):
        g1 = min(g0 + step, starts.shape[0])
        m = g1 - g0
        indiv = base[g0:g1, None] + candidates[None, :]
        ok = synthetic_ids_valid(
            np.repeat(days[g0:g1], 250),
            np.repeat(months[g0:g1], 250),
            np.repeat(years[g0:g1] % 100, 250),
            indiv.ravel(),
            d_number=d_number,
        )
        cum = np.cumsum(ok.reshape(m, 250), axis=1)
        sel = (group >= g0) & (group < g1)
        local = group[sel] - g0
        need = rank[sel] + 1
        if np.any(need > cum[local, -1]):
            raise RuntimeError(
                "too many synthetic persons born on one day for the individual numbers available"
            )
        flat = (cum + (np.arange(m) * 1000)[:, None]).ravel()
        pos = np.searchsorted(flat, local * 1000 + need) - local * 250
        chosen[sel] = indiv[local, pos]
    ids, ok = synthetic_ids_array(
        np.repeat(days, np.diff(np.r_[starts, n])),
        np.repeat(months, np.diff(np.r_[starts, n])),
        np.repeat(years % 100, np.diff(np.r_[starts, n])),
        chosen,
        d_number=d_number,
    )
    assert ok.all()
    out[order] = ids
    return out


def _shuffle(rng: np.random.Generator, pop: Population) -> Population:
    """Random order, so that every chunk is a cross-section of the population."""
    perm = rng.permutation(pop.size)
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(pop.size)

    def remap(a: I64) -> I64:
        return np.where(a >= 0, inverse[np.maximum(a, 0)], -1)

    fields = {name: getattr(pop, name)[perm] for name in pop.__dataclass_fields__}
    for name in ("mother", "father", "partner"):
        fields[name] = remap(fields[name])
    return Population(**fields)
