"""Fill catalogue entries from a JSON file of {msgid: translation or [singular, plural]} per language.

Used when a handful of new texts arrive: `uv run python scripts/po_fill.py translations.json`, where the
file is {"nb": {...}, "nn": {...}}; an entry with a context is keyed "context\x04msgid". Clears the fuzzy flag of each entry it fills."""

import json
import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "src" / "tilgang" / "locale"


def main(path: str) -> None:
    table = json.loads(Path(path).read_text(encoding="utf-8"))
    for language, translations in table.items():
        po_path = LOCALE / language / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(po_path))
        for entry in po:
            # An entry with a context is keyed "context\x04msgid", as gettext stores it.
            key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
            if key not in translations:
                continue
            value = translations[key]
            if isinstance(value, list):
                entry.msgstr_plural = dict(enumerate(value))
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = None
        po.save(str(po_path))
        print(language, "untranslated:", len(po.untranslated_entries()), "fuzzy:", len(po.fuzzy_entries()))


if __name__ == "__main__":
    main(sys.argv[1])
