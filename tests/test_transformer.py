"""s2sbook.transformer on tiny models: the cached decoder is made of the trained model's own layers,
reproduces recomputing the whole model at every position and in every greedy translation (at tiny sizes
and at the chapter's), translates a batch as it translates one sentence at a time, follows a changed
weight, and the check catches a position off by one."""

import keras
import numpy as np
import pytest
from book import load_script
from tiny import VARIED_PAIRS, write_corpus

from s2sbook import data, training, transformer


def train(folder, latent_dim, embedding_dim, epochs, seed=5):
    ds = data.prepare(write_corpus(folder, pairs=VARIED_PAIRS))
    training.set_seed(seed)
    fullmodel = transformer.build_transformer(len(ds.en_vocab), len(ds.fr_vocab), latent_dim, embedding_dim)
    training.compile_model(fullmodel, learning_rate=3e-3)
    fullmodel.fit([ds.encoder_input_data, ds.decoder_input_data], ds.decoder_target_data,
                  batch_size=8, epochs=epochs, verbose=0)
    return ds, fullmodel, transformer.transformer_encoder_model(fullmodel), \
        transformer.transformer_decoder_model(fullmodel)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return train(tmp_path_factory.mktemp("tiny-transformer"), latent_dim=16, embedding_dim=8, epochs=40)


@pytest.fixture(scope="module")
def chapter_sized(tmp_path_factory):
    recipe = transformer.TRANSFORMER_RECIPE
    return train(tmp_path_factory.mktemp("chapter-transformer"), recipe["latent_dim"], recipe["embedding_dim"],
                 epochs=15)


def greedy(ds, fullmodel, encoder_model, decoder_model, rows):
    rows = rows.astype("int32")
    recomputed = transformer.recompute_decode(fullmodel, rows, ds.fr_vocab, ds.max_decoder_len)
    cached = transformer.cached_decode(encoder_model, decoder_model, rows, ds.fr_vocab, ds.max_decoder_len)
    return recomputed, cached


@pytest.mark.parametrize("models", ["tiny", "chapter_sized"])
def test_cached_decoder_equals_recomputation(models, request):
    ds, fullmodel, encoder_model, decoder_model = request.getfixturevalue(models)
    assert fullmodel.dtype_policy.name == "float32"
    assert len({int((row != 0).sum()) for row in ds.encoder_input_data}) > 1  # padding matters
    difference = transformer.matches_fullmodel(fullmodel, encoder_model, decoder_model, ds.encoder_input_data,
                                               ds.decoder_input_data, ds.decoder_target_data)
    assert difference <= 1e-4
    recomputed, cached = greedy(ds, fullmodel, encoder_model, decoder_model, ds.encoder_input_data)
    assert cached == recomputed


def test_chapter_sized_model_learns_the_tiny_corpus(chapter_sized):
    ds, fullmodel, encoder_model, decoder_model = chapter_sized
    _, cached = greedy(ds, fullmodel, encoder_model, decoder_model, ds.encoder_input_data[:len(VARIED_PAIRS)])
    assert cached == [data.tokenize(fr) for _, fr in VARIED_PAIRS]


def test_built_from_the_same_objects(tiny):
    ds, fullmodel, encoder_model, decoder_model = tiny
    assert transformer.shares_layers(fullmodel, encoder_model, decoder_model) == len(fullmodel.weights)
    own = {id(layer) for layer in fullmodel._flatten_layers()}
    assert all(id(layer) in own for m in (encoder_model, decoder_model) for layer in m.layers if layer.weights)
    other = transformer.build_transformer(len(ds.en_vocab), len(ds.fr_vocab), 16, 8)
    with pytest.raises(AssertionError, match="not one of fullmodel's"):
        transformer.shares_layers(fullmodel, encoder_model, transformer.transformer_decoder_model(other))


def test_batch_translations_equal_one_at_a_time(tiny):
    ds, fullmodel, encoder_model, decoder_model = tiny
    rows = ds.encoder_input_data.astype("int32")
    lengths = (rows != 0).sum(axis=1)
    assert len(set(lengths)) > 1
    batched = transformer.cached_decode(encoder_model, decoder_model, rows, ds.fr_vocab, ds.max_decoder_len)
    alone = [transformer.cached_decode(encoder_model, decoder_model, row[None, :length], ds.fr_vocab,
                                       ds.max_decoder_len)[0] for row, length in zip(rows, lengths, strict=True)]
    assert batched == alone


def test_the_cache_grows_one_step_per_token_and_holds_no_variable(tiny):
    ds, _, encoder_model, decoder_model = tiny
    rows = ds.encoder_input_data[:3].astype("int32")
    state = encoder_model.predict_on_batch(rows)
    cache = transformer.empty_cache(decoder_model, len(rows))
    tokens = np.full((len(rows), 1), ds.fr_vocab.index[data.START], dtype="int32")
    heads, key_dim = transformer.HEADS, 8 // transformer.HEADS
    for step in range(4):
        _, cache = transformer.decoder_step(decoder_model, tokens, state, cache)
        assert len(cache) == 2 * transformer.BLOCKS
        assert {tuple(t.shape) for t in cache} == {(len(rows), heads, step + 1, key_dim)}
        assert not any(isinstance(t, keras.Variable) for t in [*state, *cache])


def test_cached_decoder_follows_a_changed_weight(tiny):
    ds, fullmodel, encoder_model, decoder_model = tiny
    args = (ds.encoder_input_data, ds.decoder_input_data)
    kernel = transformer.projection(fullmodel.get_layer("decoder_1_self_attention"), "value").kernel
    before = transformer.cached_step_by_step(encoder_model, decoder_model, *args)
    original = kernel.numpy()
    try:
        kernel.assign(original + 0.5)
        assert np.abs(transformer.cached_step_by_step(encoder_model, decoder_model, *args) - before).max() > 1e-3
        transformer.matches_fullmodel(fullmodel, encoder_model, decoder_model, *args, ds.decoder_target_data)
    finally:
        kernel.assign(original)


def test_the_check_catches_a_position_off_by_one(tiny):
    ds, fullmodel, encoder_model, decoder_model = tiny

    def one_step_late(decoder_model, tokens, state, cache):
        position = np.full_like(tokens, cache[0].shape[2] + 1)
        logits, *cache = decoder_model.predict_on_batch([tokens, position, *state, *cache])
        return logits, cache

    with pytest.raises(AssertionError, match="position"):
        transformer.matches_fullmodel(fullmodel, encoder_model, decoder_model, ds.encoder_input_data,
                                      ds.decoder_input_data, ds.decoder_target_data, step=one_step_late)


def test_timed_runs_keeps_each_steps_fastest_time_and_one_at_a_time_decodes_rows_alone():
    reported = iter([[9.0, 9.0], [0.3, 0.2], [0.1, 0.4], [0.2, 0.3]])  # the untimed run first
    calls = []

    def decode(rows, step_times):
        calls.append(list(rows))
        step_times.extend(next(reported))
        return [f"row {row}" for row in rows]

    seconds, steps = transformer.timed_runs(decode, [1, 2], runs=3)
    assert seconds >= 0 and steps.tolist() == [0.1, 0.2] and len(calls) == 4
    calls.clear()
    alone = transformer.one_at_a_time(lambda rows, _: decode(rows, []))
    reported = iter([[0.0]] * 3)
    assert alone(np.array([5, 6, 7]), []) == ["row 5", "row 6", "row 7"]
    assert calls == [[5], [6], [7]]


def test_the_benchmark_parses_its_options():
    speed = load_script("benchmarks/transformer_speed.py")
    assert speed.parse_args(["--sample", "3", "--repeats", "2"]).sample == 3
    with pytest.raises(SystemExit):
        speed.parse_args(["--repeats", "0"])
