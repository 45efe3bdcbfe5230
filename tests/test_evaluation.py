"""s2sbook.evaluation and s2sbook.timing: exact match, BLEU through sacrebleu, first differences, timing."""

import pytest

from s2sbook import data, evaluation, timing


def test_bleu_is_sacrebleu_on_detokenised_text():
    ref = [data.tokenize("Est-ce que mon père a lu les journaux ?"), data.tokenize("Il lit.")]
    score, signature = evaluation.bleu(ref, ref)
    assert score == pytest.approx(100.0)
    assert "tok:13a" in signature and "nrefs:1" in signature
    worse, _ = evaluation.bleu([ref[0][:-3] + ["?"], ref[1]], ref)
    assert 0 < worse < 100
    with pytest.raises(ValueError, match="2 outputs but 1 references"):
        evaluation.bleu(ref, ref[:1])


def test_first_difference_names_the_first_slip():
    reference = ["il", "lit", "."]
    assert evaluation.first_difference(["il", "mange", "."], reference) == ("lit", "mange")
    assert evaluation.first_difference(["il", "lit"], reference) == (".", "(end)")
    assert evaluation.first_difference(["il", "lit", ".", "."], reference) == ("(end)", ".")
    with pytest.raises(ValueError, match="equals the reference"):
        evaluation.first_difference(reference, reference)


def test_timed_returns_the_result_and_the_median_time():
    calls = []
    result, seconds = timing.timed(lambda: calls.append(1) or len(calls), repeats=3)
    assert result == 3 and len(calls) == 3 and 0 <= seconds < 1


def test_exact_match_counts_sentences_equal_token_for_token():
    assert evaluation.exact_match([["a", "b"], ["c"]], [["a", "b"], ["d"]]) == 0.5
    with pytest.raises(ValueError):
        evaluation.exact_match([["a"]], [["a"], ["b"]])
