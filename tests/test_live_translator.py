"""Chapter 8: the numpy translator reproduces Keras, its export is plain files, and the JavaScript port
(_static/s2s_translator.js, run here in Node.js) tokenises like Python on every sentence of the corpus and
translates like numpy and Keras, with the Python translator's errors."""

import json
import shutil
import subprocess

import numpy as np
import pytest
from book import ROOT

from s2sbook import cache, data, decoding, models, numpy_translator
from s2sbook.text import tokenize

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


def test_javascript_writes_repr_like_python():
    words = ["zorblax", "don't", 'say "hi"', "it's \"both\"", "back\\slash", "\x00\x7f\u200b\U000e0001",
             "\u00e9t\u00e9"]
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


def python_answer(translator, sentence):
    try:
        return {"french": translator.translate(sentence), "error": None}
    except ValueError as error:
        return {"french": None, "error": {"type": type(error).__name__, "message": str(error)}}


def test_javascript_translates_like_numpy_with_the_same_errors(exported):
    ds, _, folder = exported
    translator = numpy_translator.NumpyTranslator(folder)
    sentences = [en for en, _ in ds.corpus.pairs[:6]] + [
        "He eats the zorblax.", "Zorblax quux he eats, 'don't'", "", "   ", "?", "?!...", "he eats " * 30,
        "He eats the " + "zorblax" * 20 + ".", " ".join(f"w{i}" for i in range(12))]
    js = run_node(f"""
        const sandbox = {{window: {{}}}};
        vm.runInNewContext(fs.readFileSync({str(folder / numpy_translator.SITE_FILE)!r}, "utf8"), sandbox);
        const translator = new S2S.Translator(sandbox.window.S2S_MODEL);
        process.stdout.write(JSON.stringify(input.map(s => translator.translate(s))));""", sentences)
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


def test_the_build_ships_the_weights_from_the_cache(tmp_path, monkeypatch):
    import importlib.util
    import types

    spec = importlib.util.spec_from_file_location("ship", ROOT / "tools" / "ship_weights.py")
    ship = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ship)
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    assert ship.export_folder() == cache.cache_root() / numpy_translator.EXPORT_FOLDER
    assert ship.SITE_FILE == numpy_translator.SITE_FILE
    app = types.SimpleNamespace(builder=types.SimpleNamespace(format="html"), outdir=str(tmp_path / "html"))
    (tmp_path / "html" / "_static").mkdir(parents=True)
    with pytest.raises(Exception, match="chapter 8"):
        ship.copy_weights(app, None)
    ship.export_folder().mkdir(parents=True)
    (ship.export_folder() / ship.SITE_FILE).write_text("window.S2S_MODEL = {};\n")
    ship.copy_weights(app, None)
    assert (tmp_path / "html" / "_static" / ship.SITE_FILE).read_text() == "window.S2S_MODEL = {};\n"
