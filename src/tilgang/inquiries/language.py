"""Which written standard a question is in: bokmål, nynorsk or English (DOMAIN R-INFO-2).

A transparent word-list scorer: each language has a list of frequent words that mark it, and the
language with the most marker words in the text wins. Staff see the guess and the counts, and can
override it. No model, nothing learnt: the lists below are the whole method.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words that occur in one standard and (practically) never in the other.
NYNORSK = frozenset(
    """
    ikkje eg kva korleis berre kven kvifor kvar kor noko nokon dykk dykkar vere vore vorte frå heile
    eit ein mykje sjølv òg difor hjå ønskjer ynskjer treng søkjer mogleg moglegvis høyrer
    tilgjengeleg kjem gjer sjå vart berekna brukar brukarar verksemd verksemda eigne eiga eige dei
    deira desse enno framleis helsing venleg vennleg einskilde fleire hentar spørsmåla
    """.split()
)
BOKMAL = frozenset(
    """
    ikke jeg hva hvordan bare hvem hvorfor hvor noe noen dere deres være vært fra hele et en mye
    selv også derfor hos ønsker trenger søker mulig muligens hvis ble kommer gjør se bruker brukere
    virksomhet virksomheten egne egen eget disse fortsatt ennå hilsen vennlig enkelte flere henter
    tilgjengelig hører spørsmålene
    """.split()
)
# Frequent English words that are not also frequent Norwegian words ("i", "to", "at", "for" are).
ENGLISH = frozenset(
    """
    the and is are what how you of please would could access thanks thank hello dear regards with
    which does do can we our your my this that there from about have has been will in on an any if
    when where who why need find statistics get should
    """.split()
)

MARKERS = {"nn": NYNORSK, "nb": BOKMAL, "en": ENGLISH}
_WORD = re.compile(r"[a-zæøåäöéèêòóôü]+", re.IGNORECASE)


@dataclass(frozen=True)
class LanguageGuess:
    language: str  # "nb" | "nn" | "en"
    scores: dict[str, int]
    confident: bool  # False when there were no marker words or a tie

    def as_dict(self) -> dict:
        return {"language": self.language, "scores": self.scores, "confident": self.confident}


def detect_language(text: str, *, default: str = "nb") -> LanguageGuess:
    """Count marker words per language; the highest count wins, ``default`` on a tie or no markers."""
    words = [word.lower() for word in _WORD.findall(text or "")]
    scores = {code: sum(1 for word in words if word in markers) for code, markers in MARKERS.items()}
    best = max(scores.values())
    leaders = [code for code, score in scores.items() if score == best]
    if best == 0:
        return LanguageGuess(default, scores, confident=False)
    if len(leaders) > 1:
        # Between the two Norwegian standards a tie goes to the default; English loses a tie to Norwegian.
        norwegian = [code for code in leaders if code != "en"]
        choice = default if default in leaders else (norwegian[0] if norwegian else leaders[0])
        return LanguageGuess(choice, scores, confident=False)
    return LanguageGuess(leaders[0], scores, confident=True)
