"""Chapter 8: the numpy translator reproduces Keras, its export is plain files, and the JavaScript port
(_static/s2s_translator.js, run here in Node.js) tokenises like Python on every sentence of the corpus and
translates like numpy and Keras, with the Python translator's errors: for bad input, for words read as
<unk>, for outputs without a French word; and chapter 7's attention model, weights included.

Python 3.11 has Unicode 14.0 and Node.js a newer one: characters assigned or reclassified since (new emoji,
letters of new scripts) may tokenise or be quoted differently, so the strings here keep to Unicode 14."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import keras
import numpy as np
import pytest
from book import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s2sbook import attention, cache, data, decoding, models, numpy_translator
from s2sbook.text import END, tokenize
from s2sbook.translator import Translator

SCRIPT = ROOT / "_static" / "s2s_translator.js"
# Strings where Python and JavaScript could part: Unicode spaces and apostrophes, elisions, case, digits,
# marks that are not word characters, symbols, characters outside the Basic Multilingual Plane.
TRICKY = ["L'homme s'l'a dit.", "Qu\u2019il\u202fvienne !", "  Spaces\u00a0\u2009and\ttabs\n ",
          "ÉCOLE Straße İstanbul", "e\u0301te\u0301 (decomposed)",
          "x\u00b2 + \u00bd = 3_000", "don't stop 'quoted' o'", "\U0001f600 emoji \U0001d400",
          "\u0928\u092e\u0938\u094d\u0924\u0947", "a\x1cb\x1fc\x85d\u3000e\ufeff", "jusqu'à lorsqu'il puisqu'on",
          "\u0130I\u03a3\u039f\u03a3", "", "   ", "...", "l'", "'l'"]


def node():
    executable = shutil.which("node") or shutil.which("nodejs")
    if not executable:
        pytest.skip("no Node.js: `apt-get install nodejs` (CI has it)")
    return executable


def run_node(program: str, payload) -> object:
    """Run ``program`` in Node.js with the translator module as ``S2S`` and ``payload`` as ``input``."""
    prelude = (f"const S2S = require({str(SCRIPT)!r}); const fs = require('fs'), vm = require('vm');"
               "const input = JSON.parse(fs.readFileSync(0, 'utf8'));")
    done = subprocess.run([node(), "-e", prelude + program], input=json.dumps(payload), capture_output=True,
                          text=True, encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_javascript_tokenizes_every_corpus_sentence_as_python():
    sentences = [s for pair in data.read_corpus(data.SHIPPED_CORPUS).pairs for s in pair] + TRICKY
    js = run_node("process.stdout.write(JSON.stringify(input.map(S2S.tokenize)));", sentences)
    mismatches = [(s, p, j) for s, p, j in zip(sentences, map(tokenize, sentences), js, strict=True) if p != j]
    assert not mismatches, mismatches[:5]
    assert len(js) == 2 * 12000 + len(TRICKY)


def test_javascript_tokenizes_random_strings_as_python():
    """Seeded random strings over an alphabet of the characters where the two languages' rules differ."""
    import random

    alphabet = ("abcXYZ éÉèçœßİıΣσς ' \u2019\u2018\u02bc-.,?!;:()\"_0123²½ \t\n\u00a0\u202f\u2009\u3000\x1c\x85"
                "\ufeff\u200b\u0301\u094d\u0928\U0001f600\U0001d400漢")
    rng = random.Random(14)
    strings = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(3000)]
    js = run_node("process.stdout.write(JSON.stringify(input.map(S2S.tokenize)));", strings)
    mismatches = [(s, p, j) for s, p, j in zip(strings, map(tokenize, strings), js, strict=True) if p != j]
    assert not mismatches, mismatches[:5]


def test_javascript_finds_the_typed_forms_as_python():
    from s2sbook.text import typed_forms

    sentences = [s for pair in data.read_corpus(data.SHIPPED_CORPUS).pairs[:2000] for s in pair] + TRICKY + [
        "Ｚｏｒｂｌａｘ, QUUX l\u2019homme!", "x\u00b2 \u00bd", "\U0001f600a", "ＡＢＣ\u3000ｄｅｆ"]
    js = run_node("process.stdout.write(JSON.stringify(input.map(s => Object.fromEntries(S2S.typedForms(s)))));",
                  sentences)
    assert js == [typed_forms(s) for s in sentences]
    assert typed_forms("Ｚｏｒｂｌａｘ, QUUX!") == {"zorblax": "Ｚｏｒｂｌａｘ", ",": ",", "quux": "QUUX", "!": "!"}
    assert typed_forms("e\u0301te\u0301") == {}  # NFKC joins the accent to its letter: no typed form


def test_messages_quote_what_the_reader_typed_and_name_symbols(shipped):
    with pytest.raises(data.UnknownWordsError, match="'Ｚｏｒｂｌａｘ'"):
        data.encode_source("He eats the Ｚｏｒｂｌａｘ.", shipped.en_vocab, shipped.max_len_en)
    assert data.encode_source("Ｈｅ ｅａｔｓ.", shipped.en_vocab, shipped.max_len_en).tolist() == \
        data.encode_source("He eats.", shipped.en_vocab, shipped.max_len_en).tolist()
    with pytest.raises(ValueError, match="'\U0001f600' is a symbol \\(emoji are symbols\\)"):
        data.encode_source("\U0001f600!", shipped.en_vocab, shipped.max_len_en)
    with pytest.raises(ValueError, match="only punctuation"):
        data.encode_source("?!", shipped.en_vocab, shipped.max_len_en)


def test_javascript_writes_repr_like_python():
    words = ["zorblax", "don't", 'say "hi"', "it's \"both\"", "back\\slash", "\x00\x7f\u200b\U000e0001",
             "\u00e9t\u00e9", "a\u00a0b\u2009c\u202fd\u3000e", "\u1680\u2000\u200a\u2028\u2029\u205f \x85",
             "\U0001f600 \u2603"]
    assert run_node("process.stdout.write(JSON.stringify(input.map(S2S.pyRepr)));", words) == list(map(repr, words))


@pytest.fixture(scope="module")
def exported(tiny_varied_trained, tmp_path_factory):
    ds, fullmodel = tiny_varied_trained
    folder = numpy_translator.export_weights(fullmodel, ds, tmp_path_factory.mktemp("export"), "tinykey")
    numpy_translator.write_site_bundle(folder)
    return ds, fullmodel, folder


def test_the_export_is_plain_arrays_and_json(exported):
    ds, fullmodel, folder = exported
    with np.load(folder / numpy_translator.WEIGHTS_FILE, allow_pickle=False) as arrays:
        assert sorted(a.size for a in (arrays[n] for n in arrays.files)) == sorted(
            int(np.prod(v.shape)) for v in fullmodel.weights)
    model = json.loads((folder / numpy_translator.MODEL_FILE).read_text(encoding="utf-8"))
    assert model == {"key": "tinykey", "en_tokens": ds.en_vocab.tokens, "fr_tokens": ds.fr_vocab.tokens,
                     "max_len_en": ds.max_len_en, "max_decoder_len": ds.max_decoder_len}


def test_numpy_reproduces_the_inference_models(exported):
    ds, fullmodel, folder = exported
    encoder_model, decoder_model = models.inference_models(fullmodel)
    w, _ = numpy_translator.load_weights(folder)
    # Sentences of different lengths in one batch: padding must leave the state alone, as Keras's mask does.
    h, c = numpy_translator.encode(ds.encoder_input_data, w)
    keras_h, keras_c = (np.asarray(s) for s in encoder_model(ds.encoder_input_data, training=False))
    assert np.abs(h - keras_h).max() <= 1e-5 and np.abs(c - keras_c).max() <= 1e-5
    tokens = ds.decoder_input_data[:, 0]
    probs, _, _ = numpy_translator.decoder_step(tokens, h, c, w)
    keras_probs = np.asarray(decoder_model([tokens[:, None], keras_h, keras_c], training=False)[0])[:, -1, :]
    assert np.abs(probs - keras_probs).max() <= 1e-5
    for row in ds.encoder_input_data:
        expected = decoding.decode_sequence_direct(row[None], encoder_model, decoder_model, ds.fr_vocab,
                                                   ds.max_decoder_len)
        assert numpy_translator.numpy_decode_sequence(row[None], w, ds.fr_vocab, ds.max_decoder_len) == expected


FULL_WIDTH = "Ｈｅ ｅａｔｓ ｔｈｅ Ｚｏｒｂｌａｘ."


def python_answer(translator, sentence):
    try:
        return {"french": translator.translate(sentence), "error": None}
    except ValueError as error:
        return {"french": None, "error": {"type": type(error).__name__, "message": str(error)}}


def javascript(folder: Path, name: str, program: str, payload):
    """Run ``program`` with ``translator``, the page's translator of the bundle ``name`` in ``folder``."""
    bundle = folder / numpy_translator.SITE_FILES[name]
    return run_node(f"""
        const sandbox = {{self: {{}}}};
        vm.runInNewContext(fs.readFileSync({str(bundle)!r}, "utf8"), sandbox);
        const translator = new S2S.Translator(sandbox.self.S2S_MODELS[{name!r}]);
        {program}""", payload)


def translate_in_javascript(folder: Path, sentences: list, name: str = "book") -> list:
    return javascript(folder, name, "process.stdout.write(JSON.stringify(input.map(s => translator.translate(s))));",
                      sentences)


def test_javascript_translates_like_numpy_with_the_same_errors(exported):
    ds, _, folder = exported
    translator = numpy_translator.NumpyTranslator(folder)
    sentences = [en for en, _ in ds.corpus.pairs[:6]] + [
        "He eats the zorblax.", "Zorblax quux he eats, 'don't'", "", "   ", "?", "?!...", "he eats " * 30,
        "He eats the " + "zorblax" * 20 + ".", " ".join(f"w{i}" for i in range(12)),
        FULL_WIDTH, "ZORBLAX zorblax Zorblax", "\U0001f600", "\U0001f600 \u2665 !", "He eats \U0001f600"]
    js = translate_in_javascript(folder, sentences)
    for sentence, answer in zip(sentences, js, strict=True):
        expected = python_answer(translator, sentence)
        assert answer["error"] == expected["error"], sentence
        assert answer.get("french") == expected["french"], sentence
        assert answer["tokens"] == tokenize(sentence)
        if expected["french"] is not None:
            steps = answer["steps"]
            assert len(steps) == len(answer["output"]) + 1 or len(steps) == ds.max_decoder_len
            assert [s["top"][0][0] for s in steps[:len(answer["output"])]] == answer["output"]
            assert all(len(s["top"]) == 3 and s["top"][0][1] >= s["top"][1][1] >= s["top"][2][1] for s in steps)
    assert sum(a["error"] is None for a in js) == 6
    assert "'Ｚｏｒｂｌａｘ'" in js[-5]["error"]["message"]


def test_the_build_ships_the_weights_from_the_cache(tmp_path, monkeypatch):
    import types

    from book import load_script

    ship = load_script("tools/ship_weights.py")
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    assert ship.export_folder() == cache.cache_root() / numpy_translator.EXPORT_FOLDER
    assert ship.SITE_FILES == numpy_translator.SITE_FILES
    app = types.SimpleNamespace(builder=types.SimpleNamespace(format="html"), outdir=str(tmp_path / "html"))
    (tmp_path / "html" / "_static").mkdir(parents=True)
    with pytest.raises(Exception, match="chapter 8"):
        ship.copy_weights(app, None)
    for path in ship.sources()[:-1]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"// {path.name}\n")
    with pytest.raises(Exception, match="s2s_weights_attention.js"):  # one missing is named
        ship.copy_weights(app, None)
    ship.sources()[-1].parent.mkdir(parents=True, exist_ok=True)
    ship.sources()[-1].write_text("// attention\n")
    ship.copy_weights(app, None)
    assert sorted(p.name for p in (tmp_path / "html" / "_static").iterdir()) == sorted(ship.SITE_FILES.values())


def test_javascript_argmax_takes_the_first_of_a_tie_as_numpy(exported, tmp_path):
    """All-zero weights and two equal largest biases: every step is a tie, which numpy's argmax breaks by
    taking the first index; the page must take the same token."""
    ds, _, folder = exported
    weights, model = numpy_translator.load_weights(folder)
    zero = {name: np.zeros_like(a) for name, a in weights.items()}
    first, second = sorted(ds.fr_vocab.index[t] for t in ("il", "elle"))
    zero["dense_bias"][[first, second]] = 1.0
    np.savez(tmp_path / numpy_translator.WEIGHTS_FILE, **zero)
    (tmp_path / numpy_translator.MODEL_FILE).write_text(json.dumps(model), encoding="utf-8")
    numpy_translator.write_site_bundle(tmp_path)
    sentence = ds.corpus.pairs[0][0]
    expected = numpy_translator.numpy_decode_sequence(data.encode_source(sentence, ds.en_vocab, ds.max_len_en),
                                                      zero, ds.fr_vocab, ds.max_decoder_len)
    assert expected == [ds.fr_vocab.tokens[first]] * ds.max_decoder_len
    [answer] = translate_in_javascript(tmp_path, [sentence])
    assert answer["output"] == expected
    assert all(step["top"][0][1] == step["top"][1][1] for step in answer["steps"])  # a tie at every step
    assert run_node("process.stdout.write(JSON.stringify(input.map(S2S.topThree)));",
                    [[0, 0.5, 0.5, 0.2], [1, 1, 1, 1], [0.1, 0.3, 0.2, 0.3]]) == [[1, 2, 3], [0, 1, 2], [1, 3, 2]]


def test_javascript_reads_unknown_words_as_unk_like_python(exported, tmp_path):
    """A vocabulary with <unk> (chapter 9's) reads a word it lacks as <unk>, in Python and in the page,
    which also lists the words it read so."""
    ds, _, folder = exported
    weights, model = numpy_translator.load_weights(folder)
    model["en_tokens"][1] = data.UNK  # the word that was there is now unknown, as any other
    np.savez(tmp_path / numpy_translator.WEIGHTS_FILE, **weights)
    (tmp_path / numpy_translator.MODEL_FILE).write_text(json.dumps(model), encoding="utf-8")
    numpy_translator.write_site_bundle(tmp_path)
    translator = numpy_translator.NumpyTranslator(tmp_path)
    assert translator.en_vocab.unk == 1
    sentences = [en for en, _ in ds.corpus.pairs[:6]] + ["He eats the zorblax.", "Zorblax quux he eats.",
                                                         "Ｈｅ ｅａｔｓ."]
    js = translate_in_javascript(tmp_path, sentences)
    for sentence, answer in zip(sentences, js, strict=True):
        assert {k: answer.get(k) for k in ("french", "error")} == python_answer(translator, sentence), sentence
        known = translator.en_vocab.index
        assert answer["unknown"] == [t for t in dict.fromkeys(tokenize(sentence)) if t not in known]
    assert js[-3]["unknown"] == ["zorblax"] and js[-1]["tokens"] == ["he", "eats", "."]


def mutated(ds, fullmodel, token, folder):
    """A copy of ``fullmodel`` whose output bias makes ``token`` the first choice at every step, as a
    Translator, and exported for numpy and the page."""
    copy = models.build_training_model(len(ds.en_vocab), len(ds.fr_vocab), latent_dim=16, embedding_dim=8)
    copy.set_weights(fullmodel.get_weights())
    if token is not None:
        bias = copy.get_layer("decoder_dense").bias
        value = keras.ops.convert_to_numpy(bias).copy()
        value[ds.fr_vocab.index[token]] += 50.0
        bias.assign(value)
    numpy_translator.export_weights(copy, ds, folder, "mutated")
    numpy_translator.write_site_bundle(folder)
    return Translator.from_dataset(copy, ds), numpy_translator.NumpyTranslator(folder)


@pytest.fixture(scope="module")
def three_translators(exported, tmp_path_factory):
    ds, fullmodel, _ = exported
    return {token: (*mutated(ds, fullmodel, token, folder := tmp_path_factory.mktemp("m")), folder)
            for token in (None, END, ".")}


DOCUMENTED = {"ValueError", "UnknownWordsError", "EmptyTranslationError"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(st.one_of(st.text(max_size=12), st.lists(st.sampled_from(
    ["he", "she", "eats", "reads", "the", "apple", ".", "?", "!", "HE", "\u00a0", "zorblax"]), max_size=6).map(
    " ".join)), min_size=1, max_size=6))
def test_keras_numpy_and_the_page_translate_alike_or_give_the_same_error(three_translators, batch):
    """Every input is translated (French with a word in it) or gets the same documented error from all three
    translators, on the model and on two mutants whose outputs hold no French word (only _END, only ".")."""
    for token, (keras_translator, numpy_version, folder) in three_translators.items():
        js = translate_in_javascript(folder, batch)
        for sentence, answer in zip(batch, js, strict=True):
            expected = python_answer(keras_translator, sentence)
            assert python_answer(numpy_version, sentence) == expected, (token, sentence)
            assert {k: answer.get(k) for k in ("french", "error")} == expected, (token, sentence)
            if expected["error"]:
                assert expected["error"]["type"] in DOCUMENTED
            else:
                assert re.search(r"\w", expected["french"])
            if token is not None and not expected["error"]:
                pytest.fail(f"the mutant {token!r} translated {sentence!r}")


def test_an_output_without_a_french_word_is_an_error_everywhere(three_translators, exported):
    ds = exported[0]
    sentence = ds.corpus.pairs[0][0]
    for token in (END, "."):
        keras_translator, numpy_version, folder = three_translators[token]
        expected = python_answer(keras_translator, sentence)
        assert expected["error"]["type"] == "EmptyTranslationError"
        assert python_answer(numpy_version, sentence) == expected
        [answer] = translate_in_javascript(folder, [sentence])
        assert answer["error"] == expected["error"] and "french" not in answer


@pytest.fixture(scope="module")
def attention_exported(tmp_path_factory):
    from tiny import PAIRS, train_tiny

    ds, fullmodel = train_tiny(tmp_path_factory.mktemp("corpus"), attention.build_attention_model, seed=5,
                               pairs=PAIRS)
    folder = numpy_translator.export_weights(fullmodel, ds, tmp_path_factory.mktemp("attention"), "att",
                                             read=numpy_translator.read_attention_weights)
    numpy_translator.write_site_bundle(folder, "attention")
    return ds, fullmodel, folder


def test_javascript_attention_weights_equal_keras(attention_exported):
    ds, fullmodel, folder = attention_exported
    encoder_model, decoder_model = attention.attention_inference_models(fullmodel)
    sentences = [en for en, _ in ds.corpus.pairs]
    expected = attention.greedy_with_attention(ds.encoder_input_data, encoder_model, decoder_model, ds.fr_vocab,
                                               ds.max_decoder_len)
    js = translate_in_javascript(folder, sentences, "attention")
    largest = 0.0
    for sentence, answer, (tokens, weights) in zip(sentences, js, expected, strict=True):
        steps = answer["steps"]
        assert [s["top"][0][0] for s in steps] == tokens, sentence  # the outputs, _END included
        page = np.array([s["attention"] for s in steps])
        n = len(tokenize(sentence))
        assert page.shape == (len(tokens), n)
        assert np.abs(weights[:, n:]).max(initial=0) <= 1e-7  # no weight on padding
        largest = max(largest, float(np.abs(page - weights[:, :n]).max()))
    assert largest <= 1e-5, largest


def test_a_float16_bundle_holds_the_rounded_weights(exported, tmp_path):
    ds, _, folder = exported
    shutil.copytree(folder, tmp_path / "real")
    numpy_translator.write_site_bundle(tmp_path / "real", "real", "float16", {"description": "x"})
    weights, _ = numpy_translator.load_weights(folder)
    decoded = javascript(tmp_path / "real", "real", """process.stdout.write(JSON.stringify(
        Object.fromEntries(Object.entries(translator.w).map(([k, v]) => [k, Array.from(v.data)]))));""", None)
    for name, a in weights.items():
        assert np.array_equal(np.array(decoded[name]), a.astype(np.float16).astype(np.float64).ravel()), name
