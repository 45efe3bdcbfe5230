"""s2sbook.evaluation: BLEU through sacrebleu, construction tags, first differences, timing."""

import pytest

from s2sbook import data, evaluation


def test_bleu_is_sacrebleu_on_detokenised_text():
    ref = [data.tokenize("Est-ce que mon père a lu les journaux ?"), data.tokenize("Il lit.")]
    score, signature = evaluation.bleu(ref, ref)
    assert score == pytest.approx(100.0)
    assert "tok:13a" in signature and "nrefs:1" in signature
    worse, _ = evaluation.bleu([ref[0][:-3] + ["?"], ref[1]], ref)
    assert 0 < worse < 100
    with pytest.raises(ValueError, match="2 outputs but 1 references"):
        evaluation.bleu(ref, ref[:1])


@pytest.mark.parametrize("english, french, expected", [
    ("She won't wash the windows.", "Elle ne lavera pas les fenêtres.", ["negation", "future", "plural object"]),
    ("Did we like the apples?", "Est-ce que nous avons aimé les pommes ?",
     ["question", "past", "plural subject", "plural object"]),
    ("My father wants his bike!", "Mon père veut son vélo !", ["exclamation", "present", "his/her (son/sa/ses)"]),
    ("The girls ate his bread.", "Les filles ont mangé son pain.",
     ["statement", "past", "plural subject", "his/her (son/sa/ses)"]),
    ("He read his newspaper.", "Il a lu son journal.", ["statement", "past", "his/her (son/sa/ses)"]),
    ("She'll see the women.", "Elle verra les femmes.", ["statement", "future", "plural object"]),
    ("Will the teachers buy a new car?", "Est-ce que les professeurs achèteront une nouvelle voiture ?",
     ["question", "future", "plural subject", "adjective"]),
])
def test_constructions_are_read_off_the_pair(english, french, expected):
    assert evaluation.constructions(english, data.tokenize(french)) == expected


def test_first_difference_names_the_first_slip():
    reference = ["il", "lit", "."]
    assert evaluation.first_difference(["il", "mange", "."], reference) == ("lit", "mange")
    assert evaluation.first_difference(["il", "lit"], reference) == (".", "(end)")
    assert evaluation.first_difference(["il", "lit", ".", "."], reference) == ("(end)", ".")
    with pytest.raises(ValueError, match="equals the reference"):
        evaluation.first_difference(reference, reference)


def test_timed_returns_the_result_and_the_median_time():
    calls = []
    result, seconds = evaluation.timed(lambda: calls.append(1) or len(calls), repeats=3)
    assert result == 3 and len(calls) == 3 and 0 <= seconds < 1
