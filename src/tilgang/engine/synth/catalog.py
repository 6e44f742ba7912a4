"""The catalog metadata written next to the synthetic registers (metadata.json).

Every deliverable variable names the table and column its values come from, so the catalog and the
data cannot disagree (tests check it). A few variables are metadata-only: central health register
variables (never deliverable, DOMAIN R-DATA-1), the office's own survey (DOMAIN R-DATA-5) and a
crime register, so the rules about them have something to act on.
"""

from __future__ import annotations

from typing import Any

from tilgang.engine import codelists
from tilgang.engine.metadata import Area, Metadata, Register, Variable
from tilgang.engine.schema import ACCUMULATED, EVENT, FIXED, STATUS
from tilgang.engine.synth import params as P

GENERATOR_VERSION = "1"

AREAS = (
    Area("BEF", "Befolkning", "Population"),
    Area("FAM", "Familie og husholdning", "Family and household"),
    Area("UTD", "Utdanning", "Education"),
    Area("INNT", "Inntekt og skatt", "Income and tax"),
    Area("ARB", "Arbeid og lønn", "Labour and earnings"),
    Area("TRYGD", "Trygd og stønader (FD-Trygd)", "Social security benefits (FD-Trygd)"),
    Area("VIRK", "Virksomheter og foretak", "Enterprises and establishments"),
    Area("HELSE", "Helse", "Health"),
    Area("KRIM", "Kriminalitet og rettsvesen", "Crime and justice"),
    Area("LKU", "Levekår (utvalgsundersøkelse)", "Living conditions (survey)"),
)

REGISTERS = (
    Register(
        "BEFOLKNING",
        "BEF",
        "Folkeregisteret (befolkningsstatistikk)",
        "Population Register (population statistics)",
    ),
    Register("NUDB", "UTD", "Nasjonal utdanningsdatabase", "National Education Database"),
    Register(
        "INNTEKT",
        "INNT",
        "Inntekts- og formuesstatistikk for personer",
        "Income and wealth statistics for persons",
    ),
    Register("AORDNING", "ARB", "A-ordningen (arbeidsforhold)", "The a-ordning (jobs and earnings)"),
    Register("FDTRYGD", "TRYGD", "FD-Trygd", "FD-Trygd (social security events)"),
    Register("VOF", "VIRK", "Virksomhets- og foretaksregisteret", "Business Register"),
    Register(
        "NPR", "HELSE", "Norsk pasientregister", "Norwegian Patient Register", source_kind="health_register"
    ),
    Register("STRAFF", "KRIM", "Straffesaksregisteret", "Criminal cases register"),
    Register("LKU", "LKU", "Levekårsundersøkelsen", "Survey on living conditions", source_kind="survey"),
)


def _publication(area: str, years: tuple[int, ...]) -> dict[str, str]:
    month, dom = P.PUBLICATION_DAY[area]
    return {str(y): f"{y + 1}-{month:02d}-{dom:02d}" for y in years}


def build(*, seed: int, persons: int, years: dict[str, list[int]]) -> Metadata:
    all_years = tuple(range(P.FIRST_YEAR, P.LAST_YEAR + 1))
    edu_years = tuple(years.get("education", all_years))
    inc_years = tuple(years.get("income", all_years))
    variables: list[Variable] = []

    def v(name: str, register: str, table: str | None, column: str | None, unit: str, temporality: str, dtype: str,
          nb: str, en: str, def_nb: str, def_en: str, *, years_: Any = all_years, **extra: Any) -> None:  # fmt: skip
        area = next(r.area for r in REGISTERS if r.code == register)
        extra.setdefault("price_group", area)
        variables.append(
            Variable(
                name=name, register=register, area=area, table=table, column=column, unit_type=unit,
                temporality=temporality, data_type=dtype, label_nb=nb, label_en=en, definition_nb=def_nb,
                definition_en=def_en, years=years_, publication_dates=_publication(area, years_), **extra,
            )
        )  # fmt: skip

    pk: dict[str, Any] = {"unit_column": "person_key"}
    res_time: dict[str, Any] = {"time_columns": {"start": "valid_from", "stop": "valid_to"}}
    # Population.
    v("BEFOLKNING_KJOENN", "BEFOLKNING", "persons", "sex", "PERSON", FIXED, "STRING", "Kjønn", "Sex",
      "Personens kjønn slik det er registrert i Folkeregisteret.", "The person's sex as registered in the Population Register.",
      codelist="sex", **pk)  # fmt: skip
    v("BEFOLKNING_FOEDSELSDATO", "BEFOLKNING", "persons", "birth_date", "PERSON", FIXED, "DATE", "Fødselsdato", "Date of birth",
      "Eksakt fødselsdato.", "Exact date of birth.", identifying="exact_date", **pk)  # fmt: skip
    v("BEFOLKNING_FOEDSELSAAR", "BEFOLKNING", "persons", "birth_date", "PERSON", FIXED, "LONG", "Fødselsår", "Year of birth",
      "Året for fødselsdatoen.", "The year of the date of birth.", derivation="year", **pk)  # fmt: skip
    v("BEFOLKNING_DOEDSDATO", "BEFOLKNING", "persons", "death_date", "PERSON", FIXED, "DATE", "Dødsdato", "Date of death",
      "Eksakt dødsdato; tom for levende personer.", "Exact date of death; empty for persons alive.",
      identifying="exact_date", **pk)  # fmt: skip
    v("BEFOLKNING_DOEDSAAR", "BEFOLKNING", "persons", "death_date", "PERSON", FIXED, "LONG", "Dødsår", "Year of death",
      "Året personen døde.", "The year the person died.", derivation="year", **pk)  # fmt: skip
    v("BEFOLKNING_FODELAND", "BEFOLKNING", "persons", "country_of_birth", "PERSON", FIXED, "STRING", "Fødeland", "Country of birth",
      "Fødeland etter SSBs landkoder; 000 er Norge.", "Country of birth in SSB's country codes; 000 is Norway.",
      codelist="countries", **pk)  # fmt: skip
    v("BEFOLKNING_INVKAT", "BEFOLKNING", "persons", "immigrant_category", "PERSON", FIXED, "STRING", "Innvandringskategori",
      "Immigrant category", "Innvandringskategori ut fra eget og foreldrenes fødeland.",
      "Immigrant category by one's own and one's parents' country of birth.", codelist="immigrant_categories", **pk)  # fmt: skip
    v("BEFOLKNING_KOMMNR_FAKTISK", "BEFOLKNING", "residence", "municipality", "PERSON", STATUS, "STRING", "Bostedskommune",
      "Municipality of residence", "Kommunen personen er registrert bosatt i (2024-inndeling).",
      "The municipality the person is registered as resident in (2024 boundaries).", codelist="municipalities", **res_time)  # fmt: skip
    v("BEFOLKNING_FYLKESNR", "BEFOLKNING", "residence", "municipality", "PERSON", STATUS, "STRING", "Bostedsfylke",
      "County of residence", "Fylket personen er bosatt i: de to første sifrene i kommunenummeret.",
      "The county of residence: the first two digits of the municipality number.", codelist="counties",
      derivation="prefix:2", **res_time)  # fmt: skip
    v("BEFOLKNING_FLYTTEDATO", "BEFOLKNING", "residence", "valid_from", "PERSON", EVENT, "DATE", "Dato for innflytting",
      "Date of moving in", "Datoen personen ble registrert bosatt i kommunen.", "The date the person was registered as resident in the municipality.",
      identifying="exact_date", **res_time)  # fmt: skip
    v("BEFOLKNING_ID_TYPE", "BEFOLKNING", "national_ids", "id_type", "PERSON", STATUS, "STRING", "Type identifikasjonsnummer",
      "Type of identification number", "Fødselsnummer (FNR) eller D-nummer (DNR) gyldig i perioden.",
      "Fødselsnummer (FNR) or D-number (DNR) in force in the period.", unit_column="person_key", **res_time)  # fmt: skip
    v("BEFOLKNING_ID_GYLDIG_FRA", "BEFOLKNING", "national_ids", "valid_from", "PERSON", EVENT, "DATE", "Identifikasjonsnummer gyldig fra",
      "Identification number valid from", "Datoen identifikasjonsnummeret ble tatt i bruk.", "The date the identification number came into force.",
      identifying="exact_date", unit_column="person_key", **res_time)  # fmt: skip
    # Family.
    v("FAMILIE_MOR_ID", "BEFOLKNING", "persons", "mother_key", "PERSON", FIXED, "LONG", "Mors løpenummer", "Mother's running number",
      "Morens identitet som løpenummer i samme prosjekt (kobling mellom barn og mor).",
      "The mother's identity as a running number in the same project (links child and mother).", price_group="FAM", **pk)  # fmt: skip
    v("FAMILIE_FAR_ID", "BEFOLKNING", "persons", "father_key", "PERSON", FIXED, "LONG", "Fars løpenummer", "Father's running number",
      "Farens identitet som løpenummer i samme prosjekt.", "The father's identity as a running number in the same project.",
      price_group="FAM", **pk)  # fmt: skip
    v("FAMILIE_ANTALL_BARN", "BEFOLKNING", "persons", "person_key", "PERSON", FIXED, "LONG", "Antall registrerte barn",
      "Number of registered children", "Antall personer som har personen registrert som mor eller far.",
      "Number of persons who have the person registered as mother or father.", derivation="count_children", price_group="FAM", **pk)  # fmt: skip
    variables[-3:] = [_with_area(x, "FAM") for x in variables[-3:]]
    # Education.
    edu: dict[str, Any] = {"time_columns": {"year": "year"}}
    v("NUDB_BU", "NUDB", "education", "nus2000", "PERSON", STATUS, "STRING", "Høyeste fullførte utdanning",
      "Highest completed education", "Høyeste fullførte utdanning per 1. oktober, NUS2000-kode.",
      "Highest completed education at 1 October, NUS2000 code.", codelist="nus2000", years_=edu_years, **edu)  # fmt: skip
    v("NUDB_BU_NIVAA", "NUDB", "education", "nus2000", "PERSON", STATUS, "STRING", "Utdanningsnivå", "Level of education",
      "Nivå for høyeste fullførte utdanning: første siffer i NUS2000-koden.", "Level of the highest completed education: the first digit of the NUS2000 code.",
      codelist="nus2000_levels", derivation="prefix:1", years_=edu_years, **edu)  # fmt: skip
    v("NUDB_BU_FAGFELT", "NUDB", "education", "nus2000", "PERSON", STATUS, "STRING", "Utdanningens fagfelt", "Field of education",
      "Fagfelt for høyeste fullførte utdanning: andre siffer i NUS2000-koden.", "Field of the highest completed education: the second digit of the NUS2000 code.",
      codelist="nus2000_fields", derivation="char:2", years_=edu_years, **edu)  # fmt: skip
    # Income.
    inc: dict[str, Any] = {"time_columns": {"year": "year"}, "years_": inc_years}
    for name, column, nb, en, dnb, den in (
        ("INNTEKT_WLONN", "wage_income", "Lønnsinntekt", "Wage income", "Sum lønnsinntekter i året, kroner.", "Total wages in the year, NOK."),
        ("INNTEKT_SAMINNT", "total_income", "Samlet inntekt", "Total income",
         "Sum yrkesinntekter, kapitalinntekter og skattepliktige overføringer, kroner.", "Earnings, capital income and taxable transfers, NOK."),
        ("INNTEKT_SKATT", "assessed_tax", "Utlignet skatt", "Assessed tax", "Utlignet skatt for året, kroner.", "Assessed tax for the year, NOK."),
    ):  # fmt: skip
        v(name, "INNTEKT", "income", column, "PERSON", ACCUMULATED, "LONG", nb, en, dnb, den, **inc)
    # Employment.
    job_time: dict[str, Any] = {"time_columns": {"start": "start_date", "stop": "end_date"}}
    extra: dict[str, Any]
    for name, column, unit, dtype, nb, en, dnb, den, extra in (
        ("ARBEIDSFORHOLD_PERSON", "national_id", "JOB", "STRING", "Arbeidstaker", "Employee",
         "Arbeidstakeren i arbeidsforholdet (løpenummer).", "The employee holding the job (running number).", {}),
        ("ARBEIDSFORHOLD_ARBGIVER", "employer_orgnr", "JOB", "STRING", "Arbeidsgiver (virksomhet)", "Employer (establishment)",
         "Organisasjonsnummeret til virksomheten arbeidsforholdet er knyttet til.", "Organisation number of the employing establishment.", {}),
        ("ARBEIDSFORHOLD_STARTDATO", "start_date", "JOB", "DATE", "Startdato", "Start date", "Arbeidsforholdets startdato.",
         "The job's start date.", {"identifying": "exact_date"}),
        ("ARBEIDSFORHOLD_SLUTTDATO", "end_date", "JOB", "DATE", "Sluttdato", "End date", "Arbeidsforholdets sluttdato (tom hvis løpende).",
         "The job's end date (empty if ongoing).", {"identifying": "exact_date"}),
        ("ARBEIDSFORHOLD_AVTALT_ARBTID", "weekly_hours", "JOB", "DOUBLE", "Avtalt arbeidstid per uke", "Contracted weekly hours",
         "Avtalt antall arbeidstimer per uke.", "Contracted working hours per week.", {}),
        ("ARBEIDSFORHOLD_MND_LONN", "monthly_pay", "JOB", "LONG", "Månedslønn", "Monthly pay",
         "Avtalt månedslønn ved start, kroner.", "Agreed monthly pay at the start, NOK.", {}),
        ("REGSYS_ARB_ARBGIVER", "employer_orgnr", "PERSON", "STRING", "Personens arbeidsgivere", "The person's employers",
         "Arbeidsgivere (virksomheter) personen har arbeidsforhold hos.", "Establishments the person holds jobs at.", {}),
        ("REGSYS_ARB_MND_LONN", "monthly_pay", "PERSON", "LONG", "Personens månedslønn", "The person's monthly pay",
         "Avtalt månedslønn i personens arbeidsforhold, kroner.", "Agreed monthly pay in the person's jobs, NOK.", {}),
        ("REGSYS_ARB_ARBTID", "weekly_hours", "PERSON", "DOUBLE", "Personens avtalte arbeidstid", "The person's contracted hours",
         "Avtalt ukentlig arbeidstid i personens arbeidsforhold.", "Contracted weekly hours in the person's jobs.", {}),
    ):  # fmt: skip
        unit_column = "job_id" if unit == "JOB" else "national_id"
        v(
            name,
            "AORDNING",
            "jobs",
            column,
            unit,
            EVENT,
            dtype,
            nb,
            en,
            dnb,
            den,
            unit_column=unit_column,
            **job_time,
            **extra,
        )
    # FD-Trygd: one amount variable per benefit, and the diagnosis behind the health-related ones.
    ben_time: dict[str, Any] = {"time_columns": {"start": "start_date", "stop": "end_date"}}
    for row in codelists.rows("benefit_types"):
        first = max(P.FIRST_YEAR, int((row["valid_from"] or "1900")[:4]))
        last = min(P.LAST_YEAR, int((row["valid_to"] or "9999")[:4]))
        ben_years = tuple(range(first, last + 1))
        group = f"FDTRYGD:{row['fdtrygd_table']}"
        code = row["code"]
        v(f"FDTRYGD_{code}_BELOP", "FDTRYGD", "benefits", "amount", "PERSON", EVENT, "LONG", f"{row['name_nb']}, beløp",
          f"{row['name_en']}, amount", f"{row['name_nb']}: perioder med ytelsen og årlig beløp i kroner.",
          f"{row['name_en']}: periods with the benefit and its yearly amount, NOK.", years_=ben_years, price_group=group,
          row_filter={"benefit_type": code}, **ben_time)  # fmt: skip
        if row["health_related"] == "1":
            v(f"FDTRYGD_{code}_DIAGNOSE", "FDTRYGD", "benefits", "diagnosis_group", "PERSON", EVENT, "STRING",
              f"{row['name_nb']}, diagnosegruppe", f"{row['name_en']}, diagnosis group",
              f"Hoveddiagnose (ICD-10-kapittel) bak {row['name_nb'].lower()}.",
              f"Main diagnosis (ICD-10 chapter) behind the {row['name_en'].lower()}.", years_=ben_years, price_group=group,
              codelist="icd10_chapters", sensitivity="health", row_filter={"benefit_type": code}, **ben_time)  # fmt: skip
    # Enterprises and establishments ("grunndata", DOMAIN R-DATA-8): a snapshot at the end of the data.
    snapshot = (P.LAST_YEAR,)
    for prefix, table, unit, nb_unit, en_unit in (("VIRK_FORETAK", "enterprises", "ENTERPRISE", "Foretakets", "The enterprise's"),
                                                 ("VIRK_BEDRIFT", "establishments", "ESTABLISHMENT", "Virksomhetens", "The establishment's")):  # fmt: skip
        for suffix, column, dtype, nb, en, cl in (
            ("NAVN", "name", "STRING", "navn", "name", None),
            ("NACE", "nace", "STRING", "næringskode (SN2007)", "industry code (SN2007)", "nace_subclasses"),
            ("KOMMNR", "municipality", "STRING", "kommune", "municipality", "municipalities"),
            ("ANSATTE", "employees", "LONG", "antall ansatte", "number of employees", None),
            ("STARTDATO", "start_date", "DATE", "startdato", "start date", None),
            ("SEKTOR" if table == "enterprises" else "FORETAK",
             "sector" if table == "enterprises" else "enterprise_orgnr", "STRING",
             "institusjonelle sektor" if table == "enterprises" else "foretak (organisasjonsnummer)",
             "institutional sector" if table == "enterprises" else "enterprise (organisation number)",
             "sectors" if table == "enterprises" else None),
        ):  # fmt: skip
            v(f"{prefix}_{suffix}", "VOF", table, column, unit, FIXED, dtype, f"{nb_unit} {nb}", f"{en_unit} {en}",
              f"{nb_unit} {nb} i Virksomhets- og foretaksregisteret.", f"{en_unit} {en} in the Business Register.",
              codelist=cl, years_=snapshot, unit_column="orgnr")  # fmt: skip
    # Metadata only: never in the register directory.
    npr_years = tuple(range(2008, P.LAST_YEAR + 1))
    for name, dtype, nb, en, dnb, den, extra in (
        ("NPR_HOVEDDIAGNOSE", "STRING", "Hoveddiagnose ved sykehusopphold", "Main diagnosis of hospital stay",
         "Hoveddiagnose (ICD-10) for opphold i spesialisthelsetjenesten.", "Main diagnosis (ICD-10) of a stay in specialist health care.",
         {"codelist": "icd10_chapters"}),
        ("NPR_INNDATO", "DATE", "Dato for innleggelse", "Date of admission", "Dato for innleggelse eller kontakt.",
         "Date of admission or contact.", {"identifying": "exact_date"}),
        ("NPR_OMSORGSNIVAA", "STRING", "Omsorgsnivå", "Level of care", "Døgnopphold, dagbehandling eller poliklinisk kontakt.",
         "Inpatient stay, day treatment or outpatient contact.", {}),
        ("NPR_AKUTT", "STRING", "Akutt eller planlagt", "Emergency or planned", "Om kontakten var akutt eller planlagt.",
         "Whether the contact was an emergency or planned.", {}),
    ):  # fmt: skip
        v(
            name,
            "NPR",
            None,
            None,
            "PERSON",
            EVENT,
            dtype,
            nb,
            en,
            dnb,
            den,
            years_=npr_years,
            sensitivity="health",
            **extra,
        )
    for name, nb, en, dnb, den in (
        ("KRIM_LOVBRUDD_TYPE", "Type lovbrudd", "Type of offence", "Lovbruddsgruppe for siktelser.", "Offence group of charges."),
        ("KRIM_REAKSJON", "Reaksjon", "Sanction", "Reaksjon ilagt for lovbruddet.", "Sanction imposed for the offence."),
    ):  # fmt: skip
        v(name, "STRAFF", None, None, "PERSON", EVENT, "STRING", nb, en, dnb, den, sensitivity="crime")
    lku_years = tuple(range(2012, P.LAST_YEAR + 1, 3))
    for name, nb, en, dnb, den, sens in (
        ("LKU_SELVOPPLEVD_HELSE", "Egenvurdert helse", "Self-rated health", "Svar på spørsmålet om hvordan helsa er alt i alt.",
         "Answer to how one's health is overall.", "health"),
        ("LKU_FAGFORENING", "Medlem av fagforening", "Trade union member", "Om respondenten er medlem av en fagforening.",
         "Whether the respondent is a trade union member.", "trade_union"),
        ("LKU_TILFREDSHET", "Tilfredshet med livet", "Life satisfaction", "Tilfredshet med livet på en skala fra 0 til 10.",
         "Satisfaction with life on a scale from 0 to 10.", ""),
    ):  # fmt: skip
        v(
            name,
            "LKU",
            None,
            None,
            "PERSON",
            FIXED,
            "STRING",
            nb,
            en,
            dnb,
            den,
            years_=lku_years,
            sensitivity=sens,
            price_group="LKU",
        )

    used = sorted({x.codelist for x in variables if x.codelist})
    return Metadata(
        register_version=f"synth-{GENERATOR_VERSION}-seed{seed}-persons{persons}",
        seed=seed,
        persons=persons,
        areas=AREAS,
        registers=REGISTERS,
        variables=tuple(variables),
        codelists={name: codelists.codelist(name) for name in used},
    )


def _with_area(variable: Variable, area: str) -> Variable:
    """Family variables live in the population register but belong to the family area."""
    from dataclasses import replace

    return replace(variable, area=area, publication_dates=_publication(area, variable.years))
