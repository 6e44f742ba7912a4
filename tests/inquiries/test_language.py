"""Detecting bokmål, nynorsk and English from a question's text (DOMAIN R-INFO-2)."""

from tilgang.inquiries.language import detect_language


def test_R_INFO_2_nynorsk_is_recognised():
    guess = detect_language("Hei! Eg lurer på korleis eg kan få tilgang til mikrodata. Kva treng eg?")
    assert guess.language == "nn" and guess.confident
    assert guess.scores["nn"] > guess.scores["nb"]


def test_R_INFO_2_bokmal_is_recognised():
    guess = detect_language("Hei, jeg lurer på hvordan jeg kan få tilgang til mikrodata. Hva trenger jeg?")
    assert guess.language == "nb" and guess.confident


def test_R_INFO_2_english_is_recognised():
    guess = detect_language("Hello, how can I get access to microdata for my research? Thank you.")
    assert guess.language == "en" and guess.confident


def test_norwegian_short_words_do_not_count_as_english():
    # "i", "to", "at" and "for" are frequent Norwegian words.
    guess = detect_language("Tall for to kommuner i 2024 at jeg ikke finner")
    assert guess.language == "nb"


def test_no_markers_falls_back_to_the_default_and_says_so():
    guess = detect_language("Mikrodata 2024?")
    assert guess.language == "nb" and not guess.confident
    assert detect_language("", default="nn").language == "nn"


def test_a_tie_is_not_confident():
    guess = detect_language("ikke ikkje")
    assert not guess.confident and guess.language == "nb"


def test_case_and_punctuation_do_not_matter():
    assert detect_language("IKKJE. Korleis? BERRE!").language == "nn"
