"""Chapter 6's decoders on a tiny model: every greedy method gives the classic loop's translations,
beam search of width 1 is greedy, a wider beam never scores below greedy, and every decoder stops
at ``_END`` and at the length limit."""

import functools
import itertools

import numpy as np
import pytest
from tiny import PAIRS, VARIED_PAIRS, forced_model, train_tiny

from s2sbook import data, decoding, models, training
from s2sbook.data import Vocabulary
from s2sbook.text import END, PAD, START, tokenize


def decode_beam(x, encoder_model, decoder_model, fr_vocab, max_decoder_len, beam_width=3, alpha=0.6):
    """Chapter 6's beam search over the rows of ``x``: ``(token lists, scores)``."""
    encode, decoder_step = decoding.compiled(encoder_model, decoder_model)
    ids, scores = decoding.beam_search(decoding.token_rows(x), encode, decoder_step, fr_vocab.index[data.START],
                                       fr_vocab.index[data.END], max_decoder_len, beam_width, alpha)
    return decoding.ids_to_tokens(ids, fr_vocab), scores


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return train_tiny(tmp_path_factory.mktemp("corpus"), seed=5)


@pytest.fixture(scope="module")
def untrained(tiny):
    """Random weights: flat, uncertain next-token distributions, where beam and greedy disagree."""
    ds, _ = tiny
    training.set_seed(9)
    return models.build_training_model(len(ds.en_vocab), len(ds.fr_vocab), latent_dim=16, embedding_dim=8)


def _greedy_by_every_method(ds, fullmodel, rows, max_decoder_len):
    encoder_model, decoder_model = models.inference_models(fullmodel)
    encode, decoder_step = decoding.compiled(encoder_model, decoder_model)
    args = (ds.fr_vocab, max_decoder_len)
    x = ds.encoder_input_data[rows]
    return {
        "classic": [decoding.decode_sequence(x[i:i + 1], encoder_model, decoder_model, *args) for i in range(len(x))],
        "direct": [decoding.decode_sequence_direct(x[i:i + 1], encoder_model, decoder_model, *args)
                   for i in range(len(x))],
        "compiled": [decoding.decode_sequence_compiled(x[i:i + 1], encode, decoder_step, *args) for i in range(len(x))],
        "batched, batches of 4": decoding.decode_batch(x, encoder_model, decoder_model, *args, batch_size=4),
        "batched, one batch": decoding.decode_batch(x, encoder_model, decoder_model, *args),
        "beam of width 1": decode_beam(x, encoder_model, decoder_model, *args, beam_width=1)[0],
    }


@pytest.mark.parametrize("model", ["tiny", "untrained"])
def test_every_greedy_method_equals_the_classic_loop(tiny, untrained, model):
    ds, fullmodel = tiny
    fullmodel = fullmodel if model == "tiny" else untrained
    outputs = _greedy_by_every_method(ds, fullmodel, np.arange(len(PAIRS)), ds.max_decoder_len)
    for name, translations in outputs.items():
        assert translations == outputs["classic"], name
    if model == "tiny":
        assert outputs["classic"] == [data.tokenize(fr) for _, fr in PAIRS]


def test_the_compiled_step_is_traced_once_for_any_batch_size(tiny):
    ds, fullmodel = tiny
    encoder_model, decoder_model = models.inference_models(fullmodel)
    decoder_step = decoding.compiled_decoder_step(decoder_model)
    for n in (1, 2, 5, 24):
        h, c = encoder_model(ds.encoder_input_data[:n], training=False)
        probs, _, _ = decoder_step(np.ones((n, 1), dtype="int32"), h, c)
        assert probs.shape == (n, len(ds.fr_vocab))
    assert decoder_step.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("beam_width", [2, 3, 5])
@pytest.mark.parametrize("alpha", [0.0, 0.6])
def test_beam_scores_are_the_model_scores_and_never_below_greedy(tiny, untrained, beam_width, alpha):
    """Beam search is not guaranteed to beat greedy (greedy's prefix can be pruned); on these
    models it does, and the test pins that down together with the scoring."""
    ds, _ = tiny
    x, max_decoder_len = ds.encoder_input_data, ds.max_decoder_len
    for fullmodel in (tiny[1], untrained):
        encoder_model, decoder_model = models.inference_models(fullmodel)
        greedy = decoding.decode_batch(x, encoder_model, decoder_model, ds.fr_vocab, max_decoder_len)
        beam, beam_scores = decode_beam(x, encoder_model, decoder_model, ds.fr_vocab, max_decoder_len,
                                                 beam_width=beam_width, alpha=alpha)
        score = functools.partial(decoding.sequence_scores, x, encoder_model=encoder_model,
                                  decoder_model=decoder_model, fr_vocab=ds.fr_vocab,
                                  max_decoder_len=max_decoder_len, alpha=alpha)
        np.testing.assert_allclose(beam_scores, score(beam), rtol=1e-6)
        greedy_scores = score(greedy)
        for b, g, b_score, g_score in zip(beam, greedy, beam_scores, greedy_scores, strict=True):
            assert b_score > g_score if b != g else b_score == pytest.approx(g_score, rel=1e-6)


def test_beam_search_disagrees_with_greedy_on_an_untrained_model(tiny, untrained):
    """So that the test above compares different translations, not only equal ones."""
    ds, _ = tiny
    x, max_decoder_len = ds.encoder_input_data, ds.max_decoder_len
    encoder_model, decoder_model = models.inference_models(untrained)
    greedy = decoding.decode_batch(x, encoder_model, decoder_model, ds.fr_vocab, max_decoder_len)
    beam, _ = decode_beam(x, encoder_model, decoder_model, ds.fr_vocab, max_decoder_len, beam_width=3)
    assert beam != greedy


@pytest.mark.parametrize("alpha", [0.0, 0.6, 1.0, 5.0])
def test_a_beam_wide_enough_finds_the_best_translation_of_all(tiny, untrained, alpha):
    """With room for every prefix the search is exhaustive: compare it with brute force. A large
    ``alpha`` favours long translations, where stopping a sentence early would be wrong if the bound
    were too low."""
    ds, _ = tiny
    vocab, max_decoder_len = ds.fr_vocab, 3
    encoder_model, decoder_model = models.inference_models(untrained)
    others = [t for t in vocab.tokens if t != data.END]
    # Every possible output: up to max_decoder_len - 1 tokens then _END, or max_decoder_len tokens.
    candidates = [list(c) for n in range(max_decoder_len + 1) for c in itertools.product(others, repeat=n)]
    for row in range(3):
        x = ds.encoder_input_data[row:row + 1]
        scores = decoding.sequence_scores(np.repeat(x, len(candidates), axis=0), candidates, encoder_model,
                                          decoder_model, vocab, max_decoder_len, alpha)
        (best,), (best_score,) = decode_beam(x, encoder_model, decoder_model, vocab, max_decoder_len,
                                                      beam_width=len(vocab) ** max_decoder_len, alpha=alpha)
        assert best_score == pytest.approx(scores.max(), rel=1e-6)
        assert best == candidates[int(scores.argmax())]


def test_every_decoder_stops_at_end(tiny):
    ds, fullmodel = tiny
    outputs = _greedy_by_every_method(ds, forced_model(fullmodel, ds, data.END), np.arange(3), 9)
    assert all(translations == [[]] * 3 for translations in outputs.values()), outputs
    encoder_model, decoder_model = models.inference_models(forced_model(fullmodel, ds, data.END))
    beam, _ = decode_beam(ds.encoder_input_data[:3], encoder_model, decoder_model, ds.fr_vocab, 9)
    assert beam == [[]] * 3


def test_every_decoder_respects_the_length_limit(tiny):
    ds, fullmodel = tiny
    outputs = _greedy_by_every_method(ds, forced_model(fullmodel, ds, "mange"), np.arange(2), 5)
    assert all(translations == [["mange"] * 5] * 2 for translations in outputs.values()), outputs
    encoder_model, decoder_model = models.inference_models(forced_model(fullmodel, ds, "mange"))
    beam, _ = decode_beam(ds.encoder_input_data[:2], encoder_model, decoder_model, ds.fr_vocab, 5)
    assert beam == [["mange"] * 5] * 2


def test_bad_arguments_get_clear_errors(tiny):
    ds, fullmodel = tiny
    encoder_model, decoder_model = models.inference_models(fullmodel)
    with pytest.raises(ValueError, match="2-D array of token ids"):
        decoding.decode_batch(ds.encoder_input_data[0], encoder_model, decoder_model, ds.fr_vocab, 5)
    with pytest.raises(ValueError, match="6 tokens, more than 5"):
        decoding.sequence_scores(ds.encoder_input_data[:1], [["mange"] * 6], encoder_model, decoder_model,
                                 ds.fr_vocab, 5, 0.6)


def test_length_penalty_is_one_for_one_token_and_grows_with_alpha():
    assert decoding.length_penalty(1, 0.6) == 1.0
    assert decoding.length_penalty(7, 0.0) == 1.0
    np.testing.assert_allclose(decoding.length_penalty([1, 7, 13], 1.0), [1.0, 2.0, 3.0])


# Every row of a batch stops at its own first _END.

FR = Vocabulary([PAD, START, END, "il", "mange", "la", "pomme", "."], "fr")
IL, MANGE, LA, POMME, DOT = (FR.index[t] for t in ("il", "mange", "la", "pomme", "."))
E = FR.index[END]


def test_ids_to_tokens_cuts_each_row_at_its_first_end():
    ids = np.array([
        [IL, MANGE, DOT, E, 0, 0, 0],              # ends, then padding
        [IL, MANGE, E, LA, POMME, DOT, E],         # ends early; what follows (even another _END) is not its
        [E, IL, MANGE, DOT, E, E, E],              # _END first: the empty translation
        [IL, MANGE, LA, POMME, DOT, IL, MANGE],    # no _END: the whole row (the length limit was reached)
        [IL, MANGE, LA, POMME, DOT, E, E],         # a finished row that kept being computed with the others
    ], dtype="int32")
    assert decoding.ids_to_tokens(ids, FR) == [
        ["il", "mange", "."],
        ["il", "mange"],
        [],
        ["il", "mange", "la", "pomme", ".", "il", "mange"],
        ["il", "mange", "la", "pomme", "."],
    ]
    assert decoding.ids_to_tokens(ids[:0], FR) == []


@pytest.fixture(scope="module")
def varied(tiny_varied_trained):
    ds, fullmodel = tiny_varied_trained
    encoder_model, decoder_model = models.inference_models(fullmodel)
    return ds, encoder_model, decoder_model


@pytest.mark.parametrize("batch_size", [2048, 4])
def test_decode_batch_equals_one_at_a_time_on_sentences_of_different_lengths(varied, batch_size):
    ds, encoder_model, decoder_model = varied
    # The first rows of the corpus are VARIED_PAIRS in order; a batch holds short and long ones,
    # in the order short, long, long, short, long, long.
    x = ds.encoder_input_data[:len(VARIED_PAIRS)]
    max_decoder_len = ds.max_decoder_len
    one_at_a_time = [decoding.decode_sequence(x[i:i + 1], encoder_model, decoder_model, ds.fr_vocab, max_decoder_len)
                     for i in range(len(x))]
    batched = decoding.decode_batch(x, encoder_model, decoder_model, ds.fr_vocab, max_decoder_len,
                                    batch_size=batch_size)
    assert len(batched) == len(one_at_a_time) == len(VARIED_PAIRS)
    for i, (mine, classic) in enumerate(zip(batched, one_at_a_time, strict=True)):
        assert mine == classic, f"sentence {i}: {VARIED_PAIRS[i][0]!r}"
    # The model has learnt the pairs, so the rows really finish at different steps.
    assert one_at_a_time == [tokenize(fr) for _, fr in VARIED_PAIRS]
    assert len({len(tokens) for tokens in one_at_a_time}) > 1


def constant_decoder(probs):
    """``encode`` and ``decoder_step`` of a stub model whose next-token distribution is ``probs`` at every
    step, whatever came before: beam search's bookkeeping, without a trained model."""
    def encode(x):
        return [np.zeros((len(x), 1))]

    def decoder_step(target_seq, state):
        return np.tile(probs, (len(target_seq), 1)), state

    return encode, decoder_step


@pytest.mark.parametrize("alpha", [0.0, 5.0])
def test_beam_search_stops_only_when_no_longer_translation_can_score_higher(alpha):
    """The stopping bound divides by the penalty of the longest translation. With alpha = 5 that penalty
    grows so fast that six words outscore the likelier empty translation: a bound taken at the current
    step would stop at the first step, with the empty one."""
    start, end, word, max_decoder_len = 1, 2, 3, 6
    probs = np.array([0.0, 0.0, 0.6, 0.4])  # padding, START_, _END, one word
    encode, decoder_step = constant_decoder(probs)
    ids, scores = decoding.beam_search(np.zeros((1, 2), dtype="int32"), encode, decoder_step, start, end,
                                       max_decoder_len, beam_width=2, alpha=alpha)
    # Every translation there is: k words then _END, or max_decoder_len words.
    candidates = [[word] * k + [end] for k in range(max_decoder_len)] + [[word] * max_decoder_len]
    brute = [np.log(probs[c]).sum() / decoding.length_penalty(len(c), alpha) for c in candidates]
    best = candidates[int(np.argmax(brute))]
    assert len(best) == (1 if alpha == 0 else max_decoder_len)  # the two cases differ
    assert ids[0, :len(best)].tolist() == best and scores[0] == pytest.approx(max(brute))
