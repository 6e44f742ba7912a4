"""Stage 2 of the generator: every table's rows for one chunk of persons.

Each chunk has its own random stream (seed, chunk number), so the output depends only on the seed
and the fixed chunk size. Rows that concern another person (a mother's parental benefit for a
child in this chunk) are written with that person's ID in force at the time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tilgang.engine import codelists
from tilgang.engine.schema import TABLES
from tilgang.engine.synth import params as P
from tilgang.engine.synth.arrow import date_array, string_array, take_strings
from tilgang.engine.synth.enterprises import Employers
from tilgang.engine.synth.population import BORN, CAT_B, NONE, Population

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]

BENEFIT_CODES = [row["code"] for row in codelists.rows("benefit_types")]
BT = {code: i for i, code in enumerate(BENEFIT_CODES)}
TAX_FREE = {BT["BTRY"], BT["KONT"], BT["GRHJ"]}
DIAGNOSES = [row["code"] for row in codelists.rows("icd10_chapters")]
NUS = [row["code"] for row in codelists.rows("nus2000")]
MUNICIPALITIES = [row["code"] for row in codelists.rows("municipalities")]
COUNTIES = [row["code"] for row in codelists.rows("counties")]
MUNI_COUNTY = np.array(
    [COUNTIES.index(row["county"]) for row in codelists.rows("municipalities")], dtype=np.int16
)
COUNTRIES = [row["code"] for row in codelists.rows("countries")]
EU_COUNTRY = np.array([row["iso2"] in P.NORDIC_EU for row in codelists.rows("countries")])

# Education: the code of each stage, by track.
UPPER_TRACKS = [("301101", "401101"), ("335101", "435101"), ("355101", "455101"), ("357101", "457101"),
                ("357101", "457201"), ("361101", "461101"), ("361101", "462101"), ("301101", "411101"),
                ("301101", "471101"), ("301101", "484101")]  # fmt: skip
UPPER_TRACK_P = np.array([0.52, 0.06, 0.08, 0.06, 0.04, 0.08, 0.06, 0.03, 0.03, 0.04])
VOCATIONAL_COLLEGE = ["551101", "561101"]
BACHELOR = [
    "611101",
    "621101",
    "622101",
    "631101",
    "641101",
    "651101",
    "654101",
    "658101",
    "659101",
    "681101",
]
BACHELOR_P = np.array([0.08, 0.08, 0.10, 0.12, 0.16, 0.05, 0.12, 0.15, 0.10, 0.04])
MASTER = ["711101", "722101", "731101", "734101", "741101", "751101", "754101", "763101", "764101", "771101"]
MASTER_P = np.array([0.07, 0.08, 0.17, 0.10, 0.16, 0.08, 0.17, 0.09, 0.04, 0.04])
PHD = ["811101", "831101", "851101", "861101"]
PHD_P = np.array([0.12, 0.22, 0.38, 0.28])


def _d(days: Any) -> I64:
    return np.asarray(days).astype(np.int64)


def _year_of(days: I64) -> I64:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _jan1(years: I64) -> I64:
    return (np.asarray(years) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def _birthday(birth: I64, age: int | I64) -> I64:
    """The date a person turns ``age`` (28 February for those born on 29 February)."""
    b = birth.astype("datetime64[D]")
    y = b.astype("datetime64[Y]")
    m = b.astype("datetime64[M]") - y.astype("datetime64[M]")
    dom = b - b.astype("datetime64[M]").astype("datetime64[D]")
    target_month = (y + np.asarray(age).astype("timedelta64[Y]")).astype("datetime64[M]") + m
    next_month = target_month + np.timedelta64(1, "M")
    last = next_month.astype("datetime64[D]") - np.timedelta64(1, "D")
    return np.minimum(target_month.astype("datetime64[D]") + dom, last).astype(np.int64)


def _choice(rng: np.random.Generator, labels: dict[str, float], n: int) -> I64:
    index = np.array([DIAGNOSES.index(k) for k in labels])
    w = np.array(list(labels.values()))
    return index[rng.choice(len(w), size=n, p=w / w.sum())]


def _cum_hazard(table: tuple[tuple[int, float], ...]) -> tuple[F64, F64]:
    ages = np.arange(0.0, 111.0, 0.25)
    bounds = np.array([a for a, _ in table])
    rates = np.array([r for _, r in table])
    rate = rates[np.searchsorted(bounds, ages, side="right") - 1]
    return ages, np.r_[0.0, np.cumsum(rate[:-1] * 0.25)]


def _events(rng: np.random.Generator, table, birth: I64, start: I64, end: I64) -> tuple[I64, I64]:
    """Event times of a Poisson process whose rate depends on age: (person position, date)."""
    ages, cum = _cum_hazard(table)
    a0 = np.clip((start - birth) / P.YEAR_DAYS, 0, 110)
    a1 = np.clip((end - birth) / P.YEAR_DAYS, 0, 110)
    h0, h1 = np.interp(a0, ages, cum), np.interp(a1, ages, cum)
    k = rng.poisson(np.maximum(h1 - h0, 0.0))
    who = np.repeat(np.arange(birth.shape[0]), k)
    u = h0[who] + rng.random(who.shape[0]) * (h1 - h0)[who]
    when = birth[who] + _d(np.interp(u, cum, ages) * P.YEAR_DAYS)
    when = np.clip(when, start[who], np.maximum(end[who] - 1, start[who]))
    order = np.lexsort((when, who))
    return who[order], when[order]


class Chunk:
    def __init__(self, pop: Population, employers: Employers, seed: int, number: int, lo: int, hi: int):
        self.pop, self.emp = pop, employers
        self.rng = np.random.default_rng([seed, 100, number])
        self.idx = np.arange(lo, hi, dtype=np.int64)
        self.n = hi - lo
        p = pop
        i = self.idx
        self.birth = p.birth[i].astype(np.int64)
        self.death = p.death[i].astype(np.int64)
        self.emig = p.emigration[i].astype(np.int64)
        self.res_from = p.resident_from[i].astype(np.int64)
        self.present_from = np.minimum(self.res_from, p.dnr_from[i].astype(np.int64))
        self.gone = np.minimum(np.minimum(self.death, self.emig), P.WINDOW_END)  # end of presence
        self.res_to = np.where(self.res_from == NONE, self.res_from, self.gone)
        self._education()
        self.pay_level = self._pay_level()

    # --- population register -------------------------------------------------------------------
    def persons(self) -> pa.Table:
        p, i = self.pop, self.idx
        return pa.table(
            {
                "person_key": pa.array(i + 1, pa.int64()),
                "sex": take_strings(["", "1", "2"], p.sex[i]),
                "birth_date": date_array(self.birth),
                "death_date": date_array(self.death, null=self.death == NONE),
                "country_of_birth": take_strings(COUNTRIES, p.country[i]),
                "immigrant_category": take_strings(["A", "B", "C", "E", "F", "G"], p.category[i]),
                "mother_key": pa.array(p.mother[i] + 1, pa.int64(), mask=p.mother[i] < 0),
                "father_key": pa.array(p.father[i] + 1, pa.int64(), mask=p.father[i] < 0),
            },
            schema=TABLES["persons"],
        )

    def national_ids(self) -> pa.Table:
        p, i = self.pop, self.idx
        has_d = p.dnr_from[i] != NONE
        has_f = p.fnr_from[i] != NONE
        di, fi = i[has_d], i[has_f]
        key = np.r_[di, fi] + 1
        ids = np.r_[p.dnr[di], p.fnr[fi]]
        kind = np.r_[np.zeros(di.shape[0], np.int32), np.ones(fi.shape[0], np.int32)]
        valid_from = np.r_[p.dnr_from[di], p.fnr_from[fi]]
        # A D-number stops being in force when the fødselsnummer replaces it.
        valid_to = np.r_[p.fnr_from[di], np.full(fi.shape[0], NONE, dtype=np.int32)]
        order = np.lexsort((valid_from, key))
        return pa.table(
            {
                "person_key": pa.array(key[order], pa.int64()),
                "national_id": string_array(ids[order]),
                "id_type": take_strings(["DNR", "FNR"], kind[order]),
                "valid_from": date_array(valid_from[order]),
                "valid_to": date_array(valid_to[order], null=valid_to[order] == NONE),
            },
            schema=TABLES["national_ids"],
        )

    def residence(self) -> pa.Table:
        rng, p = self.rng, self.pop
        pos = np.flatnonzero((self.res_from != NONE) & (self.res_to > P.WINDOW_START))
        birth, res_from, res_to = self.birth[pos], self.res_from[pos], self.res_to[pos]
        # The row in force at the start of the window began with the last move before it.
        earlier = P.WINDOW_START - _d(rng.exponential(9.0, pos.shape[0]) * P.YEAR_DAYS)
        first_from = np.where(res_from < P.WINDOW_START, np.maximum(res_from, earlier), res_from)
        # Registered under a fødselsnummer: not before it existed (1964) for the oldest.
        first_from = np.maximum(first_from, p.fnr_from[self.idx[pos]].astype(np.int64))
        who, when = _events(rng, P.MOVE_RATES, birth, np.maximum(res_from, P.WINDOW_START), res_to)
        keep = when > first_from[who]
        who, when = who[keep], when[keep]
        home = p.municipality[self.idx[pos]].astype(np.int64)
        dest = self._destinations(home[who])
        # Rows: the first residence, then one per move.
        row_person = np.r_[np.arange(pos.shape[0]), who]
        row_from = np.r_[first_from, when]
        row_muni = np.r_[home, dest]
        order = np.lexsort((row_from, row_person))
        row_person, row_from, row_muni = row_person[order], row_from[order], row_muni[order]
        # Drop a move to the municipality one already lives in.
        same = np.r_[False, (row_person[1:] == row_person[:-1]) & (row_muni[1:] == row_muni[:-1])]
        row_person, row_from, row_muni = row_person[~same], row_from[~same], row_muni[~same]
        last = np.r_[row_person[1:] != row_person[:-1], True]
        row_to = np.where(last, res_to[row_person], np.r_[row_from[1:], 0])
        # Two moves on one day, or a death on the day of birth: no zero-length rows.
        keep = row_to > row_from
        row_person, row_from, row_muni, row_to, last = (
            row_person[keep],
            row_from[keep],
            row_muni[keep],
            row_to[keep],
            last[keep],
        )
        open_end = last & (row_to >= P.WINDOW_END)
        ids = p.id_at(self.idx[pos][row_person], row_from)
        self.moves = (pos[row_person], row_from, row_muni)
        return pa.table(
            {
                "national_id": string_array(ids),
                "municipality": take_strings(MUNICIPALITIES, row_muni),
                "valid_from": date_array(row_from),
                "valid_to": date_array(row_to, null=open_end),
            },
            schema=TABLES["residence"],
        )

    def _destinations(self, home: I64) -> I64:
        rng = self.rng
        weights = np.array(
            [P.MUNICIPALITY_POPULATION.get(c, P.SMALL_MUNICIPALITY) for c in MUNICIPALITIES], float
        )
        dest = np.asarray(
            rng.choice(len(MUNICIPALITIES), size=home.shape[0], p=weights / weights.sum()), dtype=np.int64
        )
        local = np.flatnonzero(rng.random(home.shape[0]) < P.MOVE_WITHIN_COUNTY)
        county = MUNI_COUNTY[home[local]]
        for c in np.unique(county):
            members = np.flatnonzero(MUNI_COUNTY == c)
            sel = local[county == c]
            w = weights[members]
            dest[sel] = members[rng.choice(members.shape[0], size=sel.shape[0], p=w / w.sum())]
        return dest

    # --- education -------------------------------------------------------------------------------
    def _education(self) -> None:
        rng, n = self.rng, self.n
        cohort = _year_of(self.birth)
        t = np.clip((cohort - 1940) / 45.0, 0.0, 1.0)[:, None]
        shares = (1 - t) * P.EDU_SHARES_OLD[None, :] + t * P.EDU_SHARES_YOUNG[None, :]
        u = rng.random(n)[:, None]
        final = P.EDU_LEVELS[np.minimum((u > np.cumsum(shares, axis=1)).sum(axis=1), 6)]
        # Completion ages of stages 2, 3, 4, 5, 6, 7, 8.
        bachelor_age = 22.0 + rng.gamma(2.0, 0.7, n)
        master_age = bachelor_age + 2.0 + rng.gamma(1.5, 0.6, n)
        ages = np.stack(
            [np.full(n, 15.5), np.full(n, 17.5), np.full(n, 19.0), np.full(n, 21.0) + rng.random(n) * 2,
             bachelor_age, master_age, master_age + 3.5 + rng.gamma(2.0, 0.8, n)], axis=1,
        )  # fmt: skip
        track = rng.choice(len(UPPER_TRACKS), size=n, p=UPPER_TRACK_P)
        nus = {c: i for i, c in enumerate(NUS)}
        codes = np.stack(
            [
                np.full(n, nus["201101"]),
                np.array([nus[UPPER_TRACKS[k][0]] for k in track]),
                np.array([nus[UPPER_TRACKS[k][1]] for k in track]),
                np.array([nus[c] for c in rng.choice(VOCATIONAL_COLLEGE, size=n)]),
                np.array([nus[c] for c in rng.choice(BACHELOR, size=n, p=BACHELOR_P)]),
                np.array([nus[c] for c in rng.choice(MASTER, size=n, p=MASTER_P)]),
                np.array([nus[c] for c in rng.choice(PHD, size=n, p=PHD_P)]),
            ],
            axis=1,
        )
        # Stages one passes on the way to the final level (a bachelor skips the vocational college).
        level = np.array([2, 3, 4, 5, 6, 7, 8])[None, :]
        passed = level <= final[:, None]
        passed[:, 1] &= final == 3  # basic upper secondary only counts for those who stop there
        passed[:, 3] &= final == 5
        completion = np.where(passed, self.birth[:, None] + _d(ages * P.YEAR_DAYS), NONE)
        # Immigrants who arrived as adults often have no registered education.
        p = self.pop
        arrived_adult = (p.category[self.idx] == CAT_B) & (
            (p.arrival[self.idx] - self.birth) > 16 * P.YEAR_DAYS
        )
        self.edu_unknown = arrived_adult & (rng.random(n) < P.EDU_UNKNOWN_IMMIGRANT)
        self.edu_completion, self.edu_codes, self.edu_final = (
            completion,
            codes,
            np.where(self.edu_unknown, 9, final),
        )

    def education(self) -> pa.Table:
        years = P.YEARS
        oct1 = (
            ((years - 1970).astype("datetime64[Y]").astype("datetime64[M]") + np.timedelta64(9, "M"))
            .astype("datetime64[D]")
            .astype(np.int64)
        )  # 1 October
        status_day = oct1[None, :]
        present = (self.res_from[:, None] <= status_day) & (self.res_to[:, None] > status_day)
        done = self.edu_completion[:, None, :] <= status_day[:, :, None]  # person x year x stage
        any_done = done.any(axis=2)
        stage = 6 - np.argmax(done[:, :, ::-1], axis=2)  # highest completed stage
        mask = (
            present
            & (any_done | self.edu_unknown[:, None])
            & ((status_day - self.birth[:, None]) >= 16 * P.YEAR_DAYS)
        )
        who, yi = np.nonzero(mask)
        code = self.edu_codes[who, stage[who, yi]]
        code = np.where(self.edu_unknown[who], NUS.index("999999"), code)
        ids = self.pop.id_at(self.idx[who], oct1[yi])
        return pa.table(
            {
                "national_id": string_array(ids),
                "year": pa.array(years[yi].astype(np.int16), pa.int16()),
                "nus2000": take_strings(NUS, code),
            },
            schema=TABLES["education"],
        )

    def _pay_level(self) -> F64:
        """Each person's full-time monthly pay in 2024 NOK: by education, with individual spread."""
        level_pay = np.array([P.PAY_BY_LEVEL.get(k, 42000) for k in range(10)], dtype=float)
        sex_factor = np.where(self.pop.sex[self.idx] == 2, 0.93, 1.0)
        return level_pay[self.edu_final] * sex_factor * self.pop.earnings[self.idx]

    # --- employment ------------------------------------------------------------------------------
    def jobs(self) -> pa.Table:
        rng, p, i = self.rng, self.pop, self.idx
        n = self.n
        final_age = np.select([self.edu_final >= 7, self.edu_final == 6], [25.0, 23.0], 18.5)
        work_from = np.maximum(self.birth + _d(final_age * P.YEAR_DAYS), self.present_from)
        work_to = np.minimum(_birthday(self.birth, 67), self.gone)
        dnr_only = p.resident_from[i] == NONE
        works = np.where(
            dnr_only,
            1.0,
            np.where(p.category[i] == CAT_B, np.where(EU_COUNTRY[p.country[i]], 0.85, 0.68), 0.88),
        )
        # Jobs held before the window matter only if they last into it.
        work_from = np.maximum(work_from, P.WINDOW_START - _d(rng.exponential(6.0, n) * P.YEAR_DAYS))
        ok = (rng.random(n) < works) & (work_to - work_from > 60) & (work_to > P.WINDOW_START)
        pos = np.flatnonzero(ok)
        span = (work_to[pos] - work_from[pos]).astype(float)
        k = 1 + rng.poisson(span / P.YEAR_DAYS / 6.0)
        who = np.repeat(pos, k)
        nth = np.arange(who.shape[0]) - np.repeat(np.cumsum(k) - k, k)
        start = work_from[who] + _d(rng.random(who.shape[0]) * span[np.repeat(np.arange(pos.shape[0]), k)])
        start = np.where(nth == 0, work_from[who] + _d(rng.exponential(90.0, who.shape[0])), start)
        order = np.lexsort((start, who))
        who, start = who[order], np.minimum(start[order], work_to[who[order]] - 30)
        nth = np.arange(who.shape[0]) - np.repeat(np.cumsum(k) - k, k)
        last = np.r_[who[1:] != who[:-1], True]
        next_start = np.where(last, work_to[who], np.r_[start[1:], 0])
        gap = np.where(rng.random(who.shape[0]) < 0.3, _d(rng.exponential(150.0, who.shape[0]) + 30), 0)
        end = np.where(last, work_to[who], np.maximum(next_start - gap, start + 14))
        end = np.maximum(end, start + 14)
        keep = end > P.WINDOW_START
        who, start, end, nth = who[keep], start[keep], end[keep], nth[keep]
        open_end = end >= P.WINDOW_END
        part_time = rng.random(who.shape[0]) < np.where(p.sex[i[who]] == 2, 0.35, 0.13)
        hours = np.where(part_time, np.round(rng.uniform(8.0, 30.0, who.shape[0]) * 2) / 2, 37.5)
        start_year = _year_of(start)
        monthly = self.pay_level[who] * hours / 37.5 * P.WAGE_GROWTH ** (start_year - 2024).astype(float)
        monthly = np.round(monthly, -2).astype(np.int64)
        employer = self._employers(p.municipality[i[who]].astype(np.int64))
        ids = p.id_at(i[who], start)
        self.job_rows = (who, start, np.where(open_end, P.WINDOW_END, end), monthly, hours)
        return pa.table(
            {
                "job_id": pa.array((i[who] + 1) * 100 + nth, pa.int64()),
                "national_id": string_array(ids),
                "employer_orgnr": string_array(self.emp.orgnr[employer]),
                "start_date": date_array(start),
                "end_date": date_array(end, null=open_end),
                "weekly_hours": pa.array(hours, pa.float64()),
                "monthly_pay": pa.array(monthly, pa.int64()),
            },
            schema=TABLES["jobs"],
        )

    def _employers(self, muni: I64) -> I64:
        """Establishments for jobs, in proportion to their size; most jobs within one's own county."""
        rng, emp = self.rng, self.emp
        cum = np.cumsum(emp.weight)
        pick = np.searchsorted(cum, rng.random(muni.shape[0]) * cum[-1], side="right")
        local = np.flatnonzero(rng.random(muni.shape[0]) < 0.7)
        county = MUNI_COUNTY[muni[local]]
        for c in np.unique(county):
            members = np.flatnonzero(emp.county == c)
            if members.shape[0] == 0:
                continue
            sel = local[county == c]
            cw = np.cumsum(emp.weight[members])
            pick[sel] = members[np.searchsorted(cw, rng.random(sel.shape[0]) * cw[-1], side="right")]
        return np.minimum(pick, emp.orgnr.shape[0] - 1)

    # --- benefits (FD-Trygd style) ---------------------------------------------------------------
    def benefits(self) -> pa.Table:
        rng, p, i = self.rng, self.pop, self.idx
        rows: list[tuple[I64, I64, I64, I64, F64, I64]] = []  # person, type, start, end, amount, diagnosis

        def add(
            person: I64, kind: I64 | int, start: I64, end: I64, amount: F64, diag: I64 | None = None
        ) -> None:
            m = person.shape[0]
            keep = end > start
            rows.append(
                (
                    person[keep],
                    np.broadcast_to(np.asarray(kind, dtype=np.int64), (m,))[keep],
                    start[keep],
                    end[keep],
                    np.broadcast_to(amount, (m,))[keep],
                    (np.full(m, -1) if diag is None else diag)[keep],
                )
            )

        g = lambda days: P.basic_amount(_year_of(days))  # noqa: E731
        annual = self.pay_level * 12

        # Sickness benefit: episodes during jobs.
        who, start, end, monthly, _hours = self.job_rows
        span_years = (end - start) / P.YEAR_DAYS
        rate = np.where(p.sex[i[who]] == 2, P.SICK_EPISODES_PER_YEAR["2"], P.SICK_EPISODES_PER_YEAR["1"])
        k = rng.poisson(rate * span_years)
        job = np.repeat(np.arange(who.shape[0]), k)
        s = start[job] + _d(rng.random(job.shape[0]) * (end - start)[job])
        dur = np.clip(_d(np.exp(rng.normal(np.log(18.0), 1.0, job.shape[0]))), 3, 365)
        e = np.minimum(s + dur, end[job])
        amount = np.minimum(monthly[job] * 12.0, 6 * g(s))
        add(i[who[job]], BT["SYKP"], s, e, amount, _choice(rng, P.DIAGNOSES_SICK, job.shape[0]))

        # Unemployment benefit: in gaps between jobs, and for some after the last job.
        nxt = np.r_[who[1:] == who[:-1], False]
        gap_start = end + 14
        gap_end = np.where(nxt, np.r_[start[1:], 0], end + _d(rng.exponential(200.0, who.shape[0])))
        age_at = (end - self.birth[who]) / P.YEAR_DAYS
        gets = (
            (gap_end - gap_start > 30) & (rng.random(who.shape[0]) < np.where(nxt, 0.6, 0.25)) & (age_at < 62)
        )
        gets &= end < P.WINDOW_END
        e = np.minimum(np.minimum(gap_end, gap_start + 730), self.gone[who])
        add(
            i[who[gets]],
            BT["DAGP"],
            gap_start[gets],
            e[gets],
            (0.624 * np.minimum(monthly * 12.0, 6 * g(end)))[gets],
        )

        # Long-term illness: work assessment allowance and the schemes it replaced in 2010.
        adult_from = np.maximum(np.maximum(_birthday(self.birth, 18), self.present_from), P.WINDOW_START)
        adult_to = np.minimum(_birthday(self.birth, 67), self.gone)
        ill, onset = _events(
            rng,
            ((0, 0.0), (18, P.ILLNESS_ONSET_PER_YEAR), (67, 0.0)),
            self.birth,
            adult_from,
            np.maximum(adult_to, adult_from),
        )
        dur = _d(rng.gamma(2.0, 1.2, ill.shape[0]) * P.YEAR_DAYS) + 30
        ill_end = np.minimum(onset + dur, adult_to[ill])
        diag = _choice(rng, P.DIAGNOSES_LONG, ill.shape[0])
        amount = np.maximum(2 * g(onset), 0.66 * np.minimum(annual[ill], 6 * g(onset)))
        before = onset < P.AAP_START
        old_kind = np.where(
            (onset >= P.TIDSU_START) & (rng.random(ill.shape[0]) < 0.15),
            BT["TIDSU"],
            np.where(rng.random(ill.shape[0]) < 0.55, BT["REHAB"], BT["ATTF"]),
        )
        add(
            i[ill[before]],
            old_kind[before],
            onset[before],
            np.minimum(ill_end, P.AAP_START)[before],
            amount[before],
            diag[before],
        )
        after_s = np.maximum(onset, P.AAP_START)
        add(i[ill], BT["AAP"], after_s, np.where(ill_end > P.AAP_START, ill_end, after_s), amount, diag)

        # Disability: after long illness for some, or directly; until retirement age.
        first_ill = np.r_[True, ill[1:] != ill[:-1]]
        to_dis = first_ill & (rng.random(ill.shape[0]) < 0.35) & (ill_end < adult_to[ill])
        dis_onset = np.full(self.n, NONE, dtype=np.int64)
        dis_diag = np.full(self.n, -1, dtype=np.int64)
        direct, when = _events(
            rng, P.DISABILITY_ONSET, self.birth, adult_from, np.maximum(adult_to, adult_from)
        )
        first = np.r_[True, direct[1:] != direct[:-1]]
        dis_onset[direct[first]] = when[first]
        dis_diag[direct[first]] = _choice(rng, P.DIAGNOSES_LONG, int(first.sum()))
        earlier = to_dis & (ill_end < dis_onset[ill])
        dis_onset[ill[earlier]] = ill_end[earlier]
        dis_diag[ill[earlier]] = diag[earlier]
        dis = np.flatnonzero(dis_onset != NONE)
        self._yearly(add, dis, dis_onset[dis], adult_to[dis], 0.66 * np.minimum(annual[dis], 6 * P.basic_amount(np.array([2024]))[0]),
                     kind_before=BT["UFOP"], kind_after=BT["UFOR"], switch=P.UFOR_START, diag=dis_diag[dis])  # fmt: skip

        # Contractual early retirement (AFP) and retirement pension.
        afp = np.flatnonzero((rng.random(self.n) < 0.22) & (self.edu_final < 9) & (dis_onset == NONE))
        afp_s, afp_e = (
            _birthday(self.birth[afp], 62),
            np.minimum(_birthday(self.birth[afp], 67), self.gone[afp]),
        )
        live = (afp_s < self.gone[afp]) & (afp_e > P.WINDOW_START)
        add(i[afp[live]], BT["AFP"], afp_s[live], afp_e[live], 1.6 * g(afp_s[live]))
        ret_s = _birthday(self.birth, 67)
        pensioner = np.flatnonzero((ret_s < self.gone) & (self.res_from != NONE))
        level = np.clip(annual[pensioner] / P.basic_amount(np.array([2024]))[0] * 0.45, 1.9, 5.5)
        self._yearly(add, pensioner, ret_s[pensioner], self.gone[pensioner], level * P.basic_amount(np.array([2024]))[0],
                     kind_before=BT["ALDER"], kind_after=BT["ALDER"], switch=0)  # fmt: skip

        # Survivor's pension: women whose partner dies before they turn 67.
        partner = p.partner[i]
        widow = np.flatnonzero(partner >= 0)
        pd = p.death[partner[widow]].astype(np.int64)
        w_to = np.minimum(_birthday(self.birth[widow], 67), self.gone[widow])
        got = (
            (pd != NONE)
            & (pd < w_to)
            & (pd >= np.maximum(self.res_from[widow], P.WINDOW_START))
            & (rng.random(widow.shape[0]) < 0.8)
        )
        add(i[widow[got]], BT["GJENL"], pd[got] + 30, w_to[got], 1.1 * g(pd[got]))

        # Family benefits for the children of this chunk, paid to their parents.
        mother, father = p.mother[i], p.father[i]
        kids = np.flatnonzero((mother >= 0) & (p.origin[i] == BORN))
        kb, km = self.birth[kids], mother[kids]
        m_annual = annual_for(p, km)
        s = kb - 21
        long_leave = rng.random(kids.shape[0]) < 0.8
        add(
            km, BT["FORP"], s, s + np.where(long_leave, 49 * 7, 59 * 7), np.clip(m_annual, 2 * g(s), 6 * g(s))
        )
        dads = kids[(father[kids] >= 0) & (rng.random(kids.shape[0]) < 0.65)]
        fs = self.birth[dads] + 46 * 7
        add(
            father[dads],
            BT["FORP"],
            fs,
            fs + 7 * rng.integers(10, 16, dads.shape[0]),
            np.clip(annual_for(p, father[dads]), 2 * g(fs), 6 * g(fs)),
        )
        # Child benefit from the month after birth to age 18, paid to the mother.
        child_all = np.flatnonzero(
            (mother >= 0) & (_birthday(self.birth, 18) > P.WINDOW_START) & (self.res_from != NONE)
        )
        bs = (
            (self.birth[child_all].astype("datetime64[D]").astype("datetime64[M]") + np.timedelta64(1, "M"))
            .astype("datetime64[D]")
            .astype(np.int64)
        )
        be = np.minimum(_birthday(self.birth[child_all], 18), self.gone[child_all])
        rate_by_year = np.where(
            _year_of(bs) >= 2022, 17664.0, np.where(_year_of(bs) >= 2019, 12648.0, 11640.0)
        )
        add(mother[child_all], BT["BTRY"], bs, be, rate_by_year)
        # Cash-for-care benefit for some at ages 1-2, transitional benefit for some single parents.
        cfc = kids[rng.random(kids.shape[0]) < 0.3]
        cs = _birthday(self.birth[cfc], 1) + 30
        add(
            mother[cfc],
            BT["KONT"],
            cs,
            np.minimum(cs + 335, self.gone[cfc]),
            np.where(_year_of(cs) >= 2020, 90000.0, 36000.0),
        )
        single = kids[rng.random(kids.shape[0]) < 0.04]
        ss = self.birth[single] + 30
        add(
            mother[single],
            BT["OVGS"],
            ss,
            ss + _d(rng.uniform(1, 3, single.shape[0]) * P.YEAR_DAYS),
            2.25 * g(ss),
        )
        # Basic and attendance benefit: a small share, long-running.
        grhj = np.flatnonzero(
            (rng.random(self.n) < 0.012) & (self.res_from != NONE) & (self.res_to > P.WINDOW_START)
        )
        gs = np.maximum(self.res_from[grhj], P.WINDOW_START) + _d(
            rng.random(grhj.shape[0]) * (self.res_to[grhj] - np.maximum(self.res_from[grhj], P.WINDOW_START))
        )
        add(
            i[grhj],
            BT["GRHJ"],
            gs,
            self.res_to[grhj],
            0.25 * g(gs),
            _choice(rng, P.DIAGNOSES_LONG, grhj.shape[0]),
        )

        person = np.concatenate([r[0] for r in rows])
        kind = np.concatenate([r[1] for r in rows])
        start = np.concatenate([r[2] for r in rows])
        end = np.concatenate([r[3] for r in rows])
        amount = np.round(np.concatenate([r[4] for r in rows]), -1).astype(np.int64)
        diag = np.concatenate([r[5] for r in rows])
        # Events end where the person's presence ends; nothing after the window.
        person_gone = np.minimum(
            np.minimum(p.death[person], p.emigration[person]).astype(np.int64), P.WINDOW_END
        )
        end = np.minimum(end, person_gone)
        keep = (end > start) & (start < P.WINDOW_END) & (end > P.WINDOW_START - 10 * 366)
        person, kind, start, end, amount, diag = (
            person[keep],
            kind[keep],
            start[keep],
            end[keep],
            amount[keep],
            diag[keep],
        )
        # Only persons with an ID on that day can be paid.
        has_id = (p.fnr_from[person] <= start) | (p.dnr_from[person] <= start)
        person, kind, start, end, amount, diag = (
            person[has_id],
            kind[has_id],
            start[has_id],
            end[has_id],
            amount[has_id],
            diag[has_id],
        )
        open_end = end >= P.WINDOW_END
        self.benefit_rows = (person, kind, start, np.where(open_end, P.WINDOW_END, end), amount)
        return pa.table(
            {
                "national_id": string_array(p.id_at(person, start)),
                "benefit_type": take_strings(BENEFIT_CODES, kind),
                "start_date": date_array(start),
                "end_date": date_array(end, null=open_end),
                "amount": pa.array(amount, pa.int64()),
                "diagnosis_group": take_strings(DIAGNOSES, np.maximum(diag, 0), null=diag < 0),
            },
            schema=TABLES["benefits"],
        )

    def _yearly(self, add, pos: I64, start: I64, stop: I64, amount_2024: F64, *, kind_before: int, kind_after: int,
                switch: int, diag: I64 | None = None) -> None:  # fmt: skip
        """Running benefits as one row per calendar year (amounts follow the basic amount G), split
        where a scheme replaced another; years before the window stay one row."""
        live = (start < stop) & (stop > P.WINDOW_START)
        pos, start, stop, amount_2024 = pos[live], start[live], stop[live], amount_2024[live]
        diag = None if diag is None else diag[live]
        first_year = np.maximum(_year_of(start), P.FIRST_YEAR - 1)
        last_year = _year_of(np.maximum(stop - 1, start))
        count = last_year - first_year + 1
        row = np.repeat(np.arange(pos.shape[0]), count)
        year = np.repeat(first_year, count) + (
            np.arange(row.shape[0]) - np.repeat(np.cumsum(count) - count, count)
        )
        s = np.maximum(start[row], _jan1(year))
        s = np.where(year == first_year[row], start[row], s)
        e = np.minimum(stop[row], _jan1(year + 1))
        if switch:
            cross = np.flatnonzero((s < switch) & (e > switch))
            row, year = np.r_[row, row[cross]], np.r_[year, year[cross]]
            tail_end = e[cross]
            e = e.copy()
            e[cross] = switch
            s, e = np.r_[s, np.full(cross.shape[0], switch)], np.r_[e, tail_end]
        kind = np.where(s < switch, kind_before, kind_after)
        g_ratio = P.basic_amount(np.maximum(year, P.FIRST_YEAR)) / P.basic_amount(np.array([2024]))[0]
        add(self.idx[pos[row]], kind, s, e, amount_2024[row] * g_ratio, None if diag is None else diag[row])

    # --- income ----------------------------------------------------------------------------------
    def income(self) -> pa.Table:
        rng, p = self.rng, self.pop
        n, ny = self.n, P.YEARS.shape[0]
        wage = np.zeros(n * ny)
        who, start, end, monthly, _ = self.job_rows
        _spread(
            wage,
            who,
            start,
            end,
            lambda y, r: monthly[r] * 12.0 * P.WAGE_GROWTH ** (y - _year_of(start[r])).astype(float),
        )
        benefit = np.zeros(n * ny)
        person, kind, bstart, bend, amount = self.benefit_rows
        taxable = ~np.isin(kind, list(TAX_FREE))
        local = person - self.idx[0]
        mine = taxable & (local >= 0) & (local < n)
        lp, ls, le, la = local[mine], bstart[mine], bend[mine], amount[mine]
        _spread(benefit, lp, ls, le, lambda y, r: la[r].astype(float))
        wage2 = wage.reshape(n, ny)
        benefit2 = benefit.reshape(n, ny)
        year_end = _jan1(P.YEARS + 1) - 1
        present = (self.present_from[:, None] <= year_end[None, :]) & (
            self.gone[:, None] > _jan1(P.YEARS)[None, :]
        )
        adult = (year_end[None, :] - self.birth[:, None]) >= 17 * P.YEAR_DAYS
        mask = present & adult & ((self.res_from[:, None] != NONE) | (wage2 > 0))
        w, yi = np.nonzero(mask)
        capital = np.where(rng.random(w.shape[0]) < 0.6, np.exp(rng.normal(8.3, 1.9, w.shape[0])), 0.0)
        wages = np.round(wage2[w, yi], -2)
        total = np.round(wages + benefit2[w, yi] + np.minimum(capital, 5e7), -2)
        g = P.basic_amount(P.YEARS[yi])
        tax = _tax(total, wages, g)
        when = np.minimum(year_end[yi], self.gone[w] - 1)
        ids = p.id_at(self.idx[w], when)
        return pa.table(
            {
                "national_id": string_array(ids),
                "year": pa.array(P.YEARS[yi].astype(np.int16), pa.int16()),
                "wage_income": pa.array(wages.astype(np.int64), pa.int64()),
                "total_income": pa.array(total.astype(np.int64), pa.int64()),
                "assessed_tax": pa.array(tax.astype(np.int64), pa.int64()),
            },
            schema=TABLES["income"],
        )


def annual_for(pop: Population, persons: I64) -> F64:
    """Annual pay of persons outside the chunk (parents), for benefit amounts: a typical pay times
    the person's own earnings factor (their education is drawn in their own chunk)."""
    return 12 * 47000.0 * pop.earnings[persons].astype(np.float64)


def _spread(target: F64, who: I64, start: I64, end: I64, per_year) -> None:
    """Add each episode's yearly amount to ``target[person * years + year]`` by overlap with the year."""
    ny = P.YEARS.shape[0]
    y0 = np.clip(_year_of(start), P.FIRST_YEAR, P.LAST_YEAR)
    y1 = np.clip(_year_of(np.maximum(end - 1, start)), P.FIRST_YEAR, P.LAST_YEAR)
    count = np.where(end > P.WINDOW_START, y1 - y0 + 1, 0)
    row = np.repeat(np.arange(who.shape[0]), count)
    year = np.repeat(y0, count) + (np.arange(row.shape[0]) - np.repeat(np.cumsum(count) - count, count))
    js, je = _jan1(year), _jan1(year + 1)
    overlap = np.clip(np.minimum(end[row], je) - np.maximum(start[row], js), 0, None) / (je - js)
    np.add.at(target, who[row] * ny + (year - P.FIRST_YEAR), per_year(year, row) * overlap)


def _tax(total: F64, wages: F64, g: F64) -> F64:
    """Assessed tax: 22 % on ordinary income above the personal allowance, bracket tax, social
    security contribution on wages; thresholds follow G (a simplified Norwegian schedule)."""
    ordinary = np.maximum(total - np.minimum(0.46 * wages, 0.9 * g) - 0.7 * g, 0.0)
    bracket = (
        0.017 * np.clip(total - 1.7 * g, 0, 0.7 * g)
        + 0.04 * np.clip(total - 2.4 * g, 0, 2.9 * g)
        + 0.136 * np.clip(total - 5.3 * g, 0, 2.3 * g)
        + 0.166 * np.clip(total - 7.6 * g, 0, 2.4 * g)
        + 0.176 * np.maximum(total - 10.0 * g, 0)
    )
    return np.round(0.22 * ordinary + bracket + 0.078 * wages, -2)
