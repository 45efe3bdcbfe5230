"""s2sbook.evaluation: exact match, BLEU through sacrebleu on detokenised text, first differences, novelty."""

import numpy as np
import pytest
import sacrebleu

from s2sbook import data, evaluation, text


def test_bleu_is_sacrebleu_on_detokenised_text():
    ref = [data.tokenize("Est-ce que mon père a lu les journaux ?"), data.tokenize("Il lit.")]
    refs = [[r] for r in ref]
    score, signature = evaluation.bleu(ref, refs)
    assert score == pytest.approx(100.0)
    assert "tok:13a" in signature and "nrefs:1" in signature
    worse, _ = evaluation.bleu([ref[0][:-3] + ["?"], ref[1]], refs)
    assert 0 < worse < 100
    with pytest.raises(ValueError, match="2 outputs but 1 references"):
        evaluation.bleu(ref, refs[:1])
    with pytest.raises(ValueError, match="at least one reference"):
        evaluation.bleu(ref, [refs[0], []])


def test_bleu_takes_every_reference_and_a_varying_number_of_them():
    outputs = [data.tokenize("Il court vite."), data.tokenize("Elle lit le livre.")]
    one = [[data.tokenize("Il court rapidement.")], [data.tokenize("Elle lit le livre.")]]
    two = [[one[0][0], data.tokenize("Il court vite.")], one[1]]
    single, _ = evaluation.bleu(outputs, one)
    several, signature = evaluation.bleu(outputs, two)
    # sacrebleu's own call, with None where a sentence has no second reference:
    streams = [["Il court rapidement.", "Elle lit le livre."], ["Il court vite.", None]]
    hypotheses = ["Il court vite.", "Elle lit le livre."]
    assert several == pytest.approx(sacrebleu.corpus_bleu(hypotheses, streams).score)
    assert single < several == pytest.approx(100.0) and "nrefs:var" in signature
    # The order of a sentence's references does not matter.
    assert evaluation.bleu(outputs, [two[0][::-1], two[1]])[0] == pytest.approx(several)


def test_first_difference_names_the_first_slip():
    reference = ["il", "lit", "."]
    assert evaluation.first_difference(["il", "mange", "."], reference) == ("lit", "mange")
    assert evaluation.first_difference(["il", "lit"], reference) == (".", "(end)")
    assert evaluation.first_difference(["il", "lit", ".", "."], reference) == ("(end)", ".")
    with pytest.raises(ValueError, match="equals the reference"):
        evaluation.first_difference(reference, reference)


def test_exact_match_counts_sentences_equal_to_any_reference_token_for_token():
    assert evaluation.exact_match([["a", "b"], ["c"]], [[["a", "b"]], [["d"]]]) == 0.5
    assert evaluation.exact_match([["a", "b"], ["c"]], [[["x"], ["a", "b"]], [["d"], ["c"]]]) == 1.0
    assert evaluation.exact_match([["a"]], [[["a", "b"]]]) == 0.0  # a prefix is not a match
    with pytest.raises(ValueError):
        evaluation.exact_match([["a"]], [[["a"]], [["b"]]])


def python_edit_distance(a, b):
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        diagonal, row[0] = row[0], i
        for j, y in enumerate(b, start=1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (x != y))
    return row[-1]


def test_nearest_distance_is_the_word_edit_distance_to_the_closest_candidate():
    rng = np.random.default_rng(0)

    def padded_rows(n, width=7):
        rows = np.zeros((n, width), dtype="int32")
        for row in rows:
            length = rng.integers(1, width + 1)
            row[:length] = rng.integers(1, 5, length)
        return rows

    sentences, candidates = padded_rows(150), padded_rows(40)
    words = [list(r[r != 0]) for r in candidates]
    expected = [min(python_edit_distance(list(s[s != 0]), w) for w in words) for s in sentences]
    assert evaluation.nearest_distance(sentences, candidates).tolist() == expected
    # An insertion counts one, where comparing position by position would count every shifted word.
    assert evaluation.nearest_distance(np.array([[1, 2, 3, 4]]), np.array([[9, 1, 2, 3, 4]])).tolist() == [1]
    assert evaluation.nearest_distance(candidates, candidates).tolist() == [0] * len(candidates)


def test_bleu_scores_detokenised_text_not_our_tokens():
    outputs = [["il", "boit", "de", "l'", "eau", "."], ["elle", "mange", "la", "pomme", "."]]
    references = [["elle", "boit", "de", "l'", "eau", "."], ["elle", "mange", "une", "pomme", "."]]
    # What a reader would write: no space after the elided l', none before the full stop.
    readable_outputs = ["il boit de l'eau.", "elle mange la pomme."]
    readable_references = ["elle boit de l'eau.", "elle mange une pomme."]
    assert [text.detokenize(o) for o in outputs] == readable_outputs
    expected = sacrebleu.corpus_bleu(readable_outputs, [readable_references]).score
    on_tokens = sacrebleu.corpus_bleu([" ".join(o) for o in outputs], [[" ".join(r) for r in references]]).score
    assert expected != pytest.approx(on_tokens)  # the example tells the two apart
    score, _ = evaluation.bleu(outputs, [[r] for r in references])
    assert score == pytest.approx(expected, abs=1e-9)
