"""Parameters of the synthetic population: plausible, rounded figures after Statistics Norway's
published statistics (births, immigration, mortality, municipality sizes, the basic amount G).

They shape distributions only; no real person's data is used or reproduced.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

FIRST_YEAR = 2000
LAST_YEAR = 2025
YEARS = np.arange(FIRST_YEAR, LAST_YEAR + 1)

EPOCH = np.datetime64("1970-01-01", "D")


def day(iso: str) -> int:
    """Days since 1970-01-01 of an ISO date (the int32 representation of Arrow date32)."""
    return int((np.datetime64(iso, "D") - EPOCH).astype(np.int64))


WINDOW_START = day(f"{FIRST_YEAR}-01-01")
WINDOW_END = day(f"{LAST_YEAR + 1}-01-01")  # exclusive: data run to 31 December of the last year
YEAR_DAYS = 365.25

# Persons ever registered in the window: the population at 1 January 2000, births in the window and
# immigrants arriving in it (Norway: about 4.48M, 1.4M and 1.5M).
SHARE_STOCK = 0.60
SHARE_BORN = 0.19
SHARE_IMMIGRANT = 1.0 - SHARE_STOCK - SHARE_BORN
STOCK_IMMIGRANT_SHARE = 0.065  # immigrants among residents in 2000
STOCK_FOREIGN_BORN_NORWEGIAN_SHARE = 0.012  # categories E and G

# Live births per year in Norway, thousands (interpolated between anchors).
BIRTHS_ANCHORS = {
    1905: 61, 1915: 62, 1920: 65, 1925: 55, 1930: 47, 1935: 42, 1940: 47, 1945: 58, 1946: 71,
    1950: 63, 1955: 63, 1960: 62, 1965: 66, 1970: 65, 1975: 56, 1980: 51, 1985: 51, 1990: 61,
    1995: 60, 2000: 60, 2005: 57, 2010: 62, 2015: 59, 2020: 53, 2024: 54,
}  # fmt: skip

# Immigrations per year, thousands (EU enlargement 2004/2007, refugees 2015-16, Ukraine 2022-23).
IMMIGRATION_BY_YEAR = {
    2000: 36, 2001: 34, 2002: 40, 2003: 36, 2004: 37, 2005: 41, 2006: 46, 2007: 62, 2008: 66,
    2009: 66, 2010: 73, 2011: 79, 2012: 79, 2013: 76, 2014: 70, 2015: 67, 2016: 66, 2017: 58,
    2018: 52, 2019: 53, 2020: 38, 2021: 54, 2022: 90, 2023: 83, 2024: 70, 2025: 60,
}  # fmt: skip

# Immigrants by country of birth (ISO code: thousands living in Norway, rounded); the rest of the
# country list gets a small weight.
IMMIGRANT_COUNTRIES = {
    "PL": 107, "UA": 80, "LT": 43, "SE": 36, "SY": 36, "SO": 29, "DE": 27, "ER": 26, "IQ": 24,
    "PH": 25, "DK": 22, "RO": 24, "PK": 21, "AF": 21, "TH": 21, "IR": 20, "IN": 20, "RU": 18,
    "LV": 14, "VN": 15, "GB": 15, "BA": 13, "TR": 12, "CN": 11, "ES": 12, "ET": 11, "LK": 9,
    "IS": 7, "FI": 7, "BR": 8, "BG": 8, "US": 10, "IT": 7, "FR": 6, "NL": 6, "EE": 6, "PT": 7,
    "HU": 5, "SK": 5, "CL": 6, "MA": 5, "SD": 4, "HR": 4, "RS": 4, "CZ": 3, "GR": 3, "MM": 3,
    "CO": 3, "NG": 3,
}  # fmt: skip
EU_EAST = {"PL", "LT", "LV", "EE", "SK", "CZ", "HU", "SI"}  # EU members from 2004-05-01
EU_2007 = {"RO", "BG"}
NORDIC_EU = {"SE", "DK", "FI", "IS", "DE", "GB", "NL", "FR", "ES", "IT", "PT", "IE", "BE", "AT", "PL",
             "LT", "LV", "EE", "SK", "CZ", "HU", "RO", "BG", "HR", "GR", "SI"}  # fmt: skip
PRE_2000_COUNTRIES = {"PK": 4, "VN": 3, "CL": 3, "IR": 2.5, "BA": 3, "SE": 1.5, "DK": 2, "TR": 2.5,
                      "LK": 3, "IQ": 1.5, "SO": 1.5, "US": 2, "GB": 2, "DE": 1.5}  # fmt: skip


def immigrant_country_factor(iso: str, year: int) -> float:
    """Relative weight of a country of birth among immigrations in a year."""
    if year < 2000:
        return PRE_2000_COUNTRIES.get(iso, 0.3 if iso in EU_EAST | EU_2007 | {"UA", "SY", "ER"} else 1.0)
    factor = 1.0
    if iso in EU_EAST and year < 2004:
        factor = 0.15
    if iso in EU_2007 and year < 2007:
        factor = 0.15
    if iso == "SY":
        factor = 0.1 if year < 2012 else (3.0 if 2015 <= year <= 2017 else 1.0)
    if iso == "UA":
        factor = 12.0 if year >= 2022 else 0.15
    if iso == "ER":
        factor = 2.0 if 2013 <= year <= 2016 else 0.6
    if iso in {"SO", "IQ", "AF"} and year <= 2010:
        factor = 2.0
    return factor


# Approximate population 1 January 2024 of the larger municipalities; the rest get SMALL_MUNICIPALITY.
MUNICIPALITY_POPULATION = {
    "0301": 717700, "4601": 291900, "5001": 214600, "1103": 149000, "3201": 130800, "4204": 116700,
    "3301": 104500, "3203": 98500, "3205": 93700, "3107": 84800, "1108": 83400, "5501": 78700,
    "1508": 60000, "3907": 65600, "3207": 63500, "3905": 58200, "3105": 59000, "4003": 56100,
    "1804": 53700, "3103": 51100, "3909": 48800, "3222": 48200, "3118": 46500, "4203": 46200,
    "1149": 43400, "3209": 43500, "4626": 39600, "1106": 38100, "4001": 37100, "3411": 35200,
    "3101": 32200, "3403": 32600, "1506": 32700, "4627": 30400, "3305": 31500, "4631": 30500,
    "3407": 30300, "3405": 29600, "3303": 28100, "3312": 28100, "1124": 28000, "3911": 27300,
    "3901": 27800, "3240": 27100, "1833": 26300, "4624": 26400, "5035": 25200, "3903": 25600,
    "3232": 25200, "1505": 24100, "5006": 24500, "5503": 24900, "3228": 24200, "4202": 24500,
    "4205": 23800, "3413": 21600, "3420": 21700, "3314": 20400, "3218": 21800, "5601": 21700,
    "1806": 21800, "5037": 20500, "1120": 20300, "3212": 20100, "4647": 22100, "3216": 18900,
    "1121": 19300, "1119": 19700, "4614": 19200, "3224": 19500, "5059": 18900, "3401": 18000,
    "4223": 15200, "1101": 15000, "3226": 17700, "3214": 16500, "4621": 16100, "4602": 17000,
    "5038": 15300, "5530": 14900, "5007": 15200, "3316": 14500, "1130": 13400, "3446": 13800,
}  # fmt: skip
SMALL_MUNICIPALITY = 4300

# Mortality: Gompertz hazard exp(ALPHA + BETA * age) per year; men a little higher.
GOMPERTZ_ALPHA = -10.8
GOMPERTZ_BETA = 0.095
GOMPERTZ_MALE_SHIFT = 0.35

# Inter-municipal moves per year by age band (lower age bound -> rate).
MOVE_RATES = ((0, 0.04), (18, 0.13), (25, 0.09), (35, 0.04), (50, 0.02), (67, 0.015))
MOVE_WITHIN_COUNTY = 0.55

# Emigration per year: recent immigrants from the EU/Nordic countries, other immigrants, Norwegian-born.
EMIGRATION_RATE = {"eu": 0.07, "other": 0.025, "native": 0.002}


def interp_years(anchors: Mapping[int, float], years: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    keys = np.array(sorted(anchors))
    return np.interp(years, keys, np.array([anchors[k] for k in keys], dtype=np.float64))


# The basic amount of the National Insurance (grunnbeløpet, G) by year, NOK (G from 1 May).
G_ANCHORS = {2000: 49090, 2005: 60699, 2010: 75641, 2015: 90068, 2020: 101351, 2024: 124028, 2025: 130160}


def basic_amount(years: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    keys = np.array(sorted(G_ANCHORS))
    values = np.log(np.array([G_ANCHORS[k] for k in keys], dtype=np.float64))
    lo = np.interp(np.clip(years, keys[0], keys[-1]), keys, values)
    # Before 2000 and after 2024: extrapolate with 3.5 % a year.
    lo = lo + np.log(1.035) * (np.minimum(years - keys[0], 0) + np.maximum(years - keys[-1], 0))
    return np.exp(lo)


WAGE_GROWTH = 1.035  # nominal wage growth a year

# Highest completed education by birth cohort: shares of final levels 2, 3, 4, 5, 6, 7, 8.
EDU_LEVELS = np.array([2, 3, 4, 5, 6, 7, 8])
EDU_SHARES_OLD = np.array([0.45, 0.10, 0.28, 0.02, 0.10, 0.045, 0.005])  # born 1940 or earlier
EDU_SHARES_YOUNG = np.array([0.14, 0.10, 0.33, 0.03, 0.24, 0.15, 0.01])  # born 1985 or later
EDU_UNKNOWN_IMMIGRANT = 0.3  # immigrants whose education is not registered ("999999")

# Monthly full-time pay (NOK, 2024) by highest education level.
PAY_BY_LEVEL = {2: 40000, 3: 42000, 4: 47000, 5: 52000, 6: 55000, 7: 68000, 8: 75000, 9: 42000}

# Benefits.
SICK_EPISODES_PER_YEAR = {"1": 0.5, "2": 0.68}  # by sex, per employed year
ILLNESS_ONSET_PER_YEAR = 0.012  # work assessment allowance and its predecessors, ages 18-66
DISABILITY_ONSET = ((18, 0.0008), (30, 0.002), (40, 0.004), (50, 0.008), (60, 0.012), (67, 0.0))
AAP_START = day("2010-03-01")
UFOR_START = day("2015-01-01")
TIDSU_START = day("2004-01-01")

# Diagnosis groups (ICD-10 chapters) by benefit, as shares.
DIAGNOSES_SICK = {"M00-M99": 0.38, "F00-F99": 0.18, "J00-J99": 0.11, "S00-T98": 0.08, "R00-R99": 0.07,
                  "O00-O99": 0.05, "K00-K93": 0.04, "G00-G99": 0.03, "I00-I99": 0.03, "C00-D48": 0.03}  # fmt: skip
DIAGNOSES_LONG = {"F00-F99": 0.36, "M00-M99": 0.30, "G00-G99": 0.07, "C00-D48": 0.06, "I00-I99": 0.05,
                  "S00-T98": 0.04, "E00-E90": 0.03, "J00-J99": 0.03, "Q00-Q99": 0.03, "R00-R99": 0.03}  # fmt: skip

# Publication of each year's official statistic (DOMAIN R-DATA-2): (month, day) in the following
# year, by statistics area. Fixed dates, so the catalog is the same whenever it is generated; with
# data to 2025, the 2025 income and FD-Trygd statistics are published in December 2026 and are still
# under embargo in late November 2026.
PUBLICATION_DAY = {
    "BEF": (3, 1), "FAM": (5, 2), "UTD": (6, 16), "INNT": (12, 10), "ARB": (6, 3),
    "TRYGD": (12, 1), "VIRK": (4, 15), "HELSE": (10, 1), "KRIM": (10, 20), "LKU": (6, 1),
}  # fmt: skip
