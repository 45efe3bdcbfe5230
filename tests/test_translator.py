"""s2sbook.translator on a tiny model: save -> load -> rebuild gives the same translations, and every
bad input or bad file gets an error that says what to do."""

import json
import shutil
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pytest

from s2sbook import data, text
from s2sbook.translator import BadSentencesError, Translator

from tiny import PAIRS


@pytest.fixture(scope="module")
def tiny(tiny_trained):
    ds, fullmodel = tiny_trained
    return Translator.from_dataset(fullmodel, ds)


@pytest.fixture(scope="module")
def saved(tiny, tmp_path_factory):
    return tiny.save(tmp_path_factory.mktemp("translator"))


def copy_of(saved, tmp_path):
    return shutil.copytree(saved, tmp_path / "copy")


def test_translate_uses_the_training_normalisation(tiny):
    assert [tiny.translate(en) for en, _ in PAIRS] == [text.normalize(fr) for _, fr in PAIRS]
    assert tiny.translate("  HE\u00a0EATS . ") == tiny.translate("he eats.")


def test_save_load_rebuild_gives_identical_translations_and_shared_layers(tiny, saved):
    assert sorted(p.name for p in saved.iterdir()) == ["en_vocab.json", "fr_vocab.json", "fullmodel.keras",
                                                       "limits.json"]
    loaded = Translator.load(saved)
    sentences = [en for en, _ in PAIRS]
    assert [r.french for r in loaded.translate_batch(sentences)] == [tiny.translate(s) for s in sentences]
    mine, theirs = loaded.fullmodel.get_weights(), tiny.fullmodel.get_weights()
    assert len(mine) == len(theirs) > 0
    assert all(np.array_equal(a, b) for a, b in zip(mine, theirs, strict=True))
    for model in (loaded.encoder_model, loaded.decoder_model):
        for layer in model.layers:
            if layer.weights:
                assert layer is loaded.fullmodel.get_layer(layer.name)


def test_command_line_translates_in_a_fresh_process(tiny, saved):
    result = subprocess.run([sys.executable, "-m", "s2sbook.translator", str(saved), "He eats.", "He flies."],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [tiny.translate("He eats."), ""]
    assert "line 2: UnknownWordsError" in result.stderr and "'flies'" in result.stderr


@pytest.mark.parametrize("sentence, error, message", [
    ("", ValueError, "empty"),
    ("   \t\n", ValueError, "empty"),
    ("?", ValueError, "only punctuation"),
    ("?!...", ValueError, "only punctuation"),
    ("\u2026 \u00bf", ValueError, "only punctuation"),
    (None, TypeError, "got NoneType"),
    (42, TypeError, "got int"),
    (b"He eats.", TypeError, "got bytes"),
    ("Paris flies.", data.UnknownWordsError, "'flies', 'paris'"),
    ("He eats. " * 20, ValueError, "trained on at most 3"),
])
def test_bad_sentences_get_a_clear_error(tiny, sentence, error, message):
    with pytest.raises(error, match=message):
        tiny.translate(sentence)


def test_one_bad_sentence_in_a_batch_is_reported_not_lost(tiny):
    batch = ["He eats.", "", "She reads.", "He flies."]
    with pytest.raises(BadSentencesError) as raised:
        tiny.translate_batch(batch)
    assert "2 of 4 sentences" in str(raised.value)
    assert "sentence 1 ''" in str(raised.value) and "sentence 3 'He flies.'" in str(raised.value)
    results = tiny.translate_batch(batch, on_error="report")
    assert [r.french for r in results] == [tiny.translate("He eats."), None, tiny.translate("She reads."), None]
    assert [r.error is None for r in results] == [True, False, True, False]
    with pytest.raises(TypeError, match="takes a list"):
        tiny.translate_batch("He eats.")
    with pytest.raises(ValueError, match="on_error"):
        tiny.translate_batch(batch, on_error="ignore")


def test_missing_files_are_named(saved, tmp_path):
    with pytest.raises(FileNotFoundError, match="has no fullmodel.keras, en_vocab.json.*Translator.save"):
        Translator.load(tmp_path)
    folder = copy_of(saved, tmp_path)
    (folder / "fr_vocab.json").unlink()
    with pytest.raises(FileNotFoundError, match="has no fr_vocab.json"):
        Translator.load(folder)


@pytest.mark.parametrize("damage", ["truncate", "not a zip", "truncated weights"])
def test_a_corrupt_model_file_is_called_corrupt(saved, tmp_path, damage):
    folder = copy_of(saved, tmp_path)
    path = folder / "fullmodel.keras"
    content = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(content[:len(content) // 2])
    elif damage == "not a zip":
        path.write_text("<html>404</html>")
    else:
        with zipfile.ZipFile(saved / "fullmodel.keras") as original, zipfile.ZipFile(path, "w") as copy:
            for name in original.namelist():
                entry = original.read(name)
                copy.writestr(name, entry[:len(entry) // 2] if name.endswith(".h5") else entry)
    with pytest.raises(ValueError, match="not a readable .keras file \\(truncated or corrupt\\)"):
        Translator.load(folder)


def test_a_vocabulary_from_another_training_is_refused(saved, tmp_path):
    folder = copy_of(saved, tmp_path)
    vocab = data.Vocabulary.load(folder / "fr_vocab.json")
    data.Vocabulary([*vocab.tokens, "extra"], "fr").save(folder / "fr_vocab.json")
    with pytest.raises(ValueError, match="fr vocabulary has .* tokens but the model's decoder_embedding has"):
        Translator.load(folder)


def test_a_model_without_the_expected_layer_names_is_refused(tiny, saved, tmp_path):
    renamed = json.loads(json.dumps(tiny.fullmodel.get_config()).replace('"decoder_lstm"', '"lstm_7"'))
    folder = copy_of(saved, tmp_path)
    keras.Model.from_config(renamed).save(folder / "fullmodel.keras")
    with pytest.raises(ValueError, match="No such layer: decoder_lstm"):
        Translator.load(folder)
