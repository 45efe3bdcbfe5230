"""s2sbook.translator on a tiny model: save -> load -> rebuild gives the same translations, and every
bad input or bad file gets an error that says what to do."""

import functools
import hashlib
import itertools
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiny import PAIRS

from s2sbook import attention, data, text, translator
from s2sbook.translator import BadSentencesError, EmptyTranslationError, Translator, TruncatedTranslationWarning


@pytest.fixture(scope="module")
def tiny(tiny_trained):
    ds, fullmodel = tiny_trained
    return Translator.from_dataset(fullmodel, ds)


@pytest.fixture(scope="module")
def saved(tiny, tmp_path_factory):
    return tiny.save(tmp_path_factory.mktemp("translator"))


def names(message, *parts):
    """An error message names what it must (the file, the line, the value, the fix), whatever its wording."""
    missing = [part for part in parts if part not in str(message)]
    assert not missing, f"{missing} not in {str(message)[:500]!r}"


def copy_of(saved, tmp_path):
    return shutil.copytree(saved, tmp_path / "copy")


def test_translate_uses_the_training_normalisation(tiny):
    assert [tiny.translate(en) for en, _ in PAIRS] == [text.normalize(fr) for _, fr in PAIRS]
    assert tiny.translate("  HE\u00a0EATS . ") == tiny.translate("he eats.")


def test_save_load_rebuild_gives_identical_translations_and_shared_layers(tiny, saved):
    assert sorted(p.name for p in saved.iterdir()) == ["en_vocab.json", "fr_vocab.json", "fullmodel.keras",
                                                       "limits.json", "manifest.json"]
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
    assert "argument 2: UnknownWordsError" in result.stderr and "'flies'" in result.stderr
    missing = subprocess.run([sys.executable, "-m", "s2sbook.translator", str(saved / "nope"), "He eats."],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    names(missing.stderr, "error: ", str(saved / "nope"), "Translator.save")


@pytest.mark.parametrize("sentence, error, message", [
    ("", ValueError, "empty"),
    ("   \t\n", ValueError, "empty"),
    ("?", ValueError, "only punctuation"),
    ("?!...", ValueError, "only punctuation"),
    (". . .", ValueError, "only punctuation"),  # every token in the vocabulary, and still no word
    ("\u2026 \u00bf", ValueError, "only punctuation"),
    (None, TypeError, "got NoneType"),
    (42, TypeError, "got int"),
    (b"He eats.", TypeError, "got bytes"),
    ("Paris flies.", data.UnknownWordsError, "'Paris', 'flies'"),  # as typed
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


@pytest.mark.parametrize("sentences, message", [
    (None, "takes a list of sentences, got NoneType"),
    (42, "takes a list of sentences, got int"),
    (b"He eats.", "not one bytes object.*decoded to str first"),
    (bytearray(b"He eats."), "not one bytearray object"),
])
def test_a_batch_that_is_not_a_list_of_sentences_says_so(tiny, sentences, message):
    with pytest.raises(TypeError, match=message):
        tiny.translate_batch(sentences)


def test_missing_files_are_named(saved, tmp_path):
    with pytest.raises(FileNotFoundError, match="has no fullmodel.keras, en_vocab.json.*Translator.save"):
        Translator.load(tmp_path)
    folder = copy_of(saved, tmp_path)
    (folder / "fr_vocab.json").unlink()
    with pytest.raises(FileNotFoundError, match="has no fr_vocab.json"):
        Translator.load(folder)


def test_a_folder_without_manifest_is_refused_with_the_fix(saved, tmp_path):
    folder = copy_of(saved, tmp_path)
    (folder / "manifest.json").unlink()
    with pytest.raises(FileNotFoundError, match="has no manifest.json.*save them again with Translator.save"):
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
    with pytest.raises(ValueError) as error:
        Translator.load(folder)
    names(error.value, str(folder), "fullmodel.keras", "Translator.save")
    assert "corrupt" in str(error.value) or "SHA-256" in str(error.value)


def forge_manifest(folder):
    """Rewrite the manifest to vouch for the folder's files as they are now: a folder edited by hand
    with care, so that the checks behind the manifest's are reached."""
    manifest = json.loads((folder / "manifest.json").read_text())
    for name in manifest["files"]:
        manifest["files"][name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("limits, parts", [
    ('{"max_len_en": 3, "max_decoder_len": 0}', ("max_decoder_len", "at least 1", "not 0")),
    ('{"max_len_en": -2, "max_decoder_len": 4}', ("max_len_en", "at least 1", "not -2")),
    ('{"max_len_en": 3, "max_decoder_len": 4.5}', ("max_decoder_len", "whole number", "4.5")),
    ('{"max_len_en": 3, "max_decoder_len": "4"}', ("max_decoder_len", "'4'")),
    ('{"max_len_en": true, "max_decoder_len": 4}', ("max_len_en", "True")),
    ('{"max_len_en": 3}', ("max_decoder_len", "{'max_len_en': 3}")),
    ('[3, 4]', ("max_len_en", "[3, 4]")),
    ('{"max_len_en": 3,', ("JSON",)),
])
def test_limits_are_validated_and_the_file_named(saved, tmp_path, limits, parts):
    folder = copy_of(saved, tmp_path)
    (folder / "limits.json").write_text(limits)
    with pytest.raises(ValueError) as error:
        Translator.load(folder)
    names(error.value, str(folder / "limits.json"), *parts)
    forge_manifest(folder)  # a consistent manifest does not make bad limits good
    with pytest.raises(ValueError) as error:
        Translator.load(folder)
    names(error.value, str(folder / "limits.json"), *parts)


def test_limits_are_validated_in_memory_too(tiny):
    with pytest.raises(ValueError) as error:
        Translator(tiny.fullmodel, tiny.en_vocab, tiny.fr_vocab, 3, 0)
    names(error.value, "max_decoder_len", "not 0")


@pytest.mark.parametrize("name", ["en_vocab.json", "fr_vocab.json", "manifest.json"])
def test_malformed_json_files_are_named(saved, tmp_path, name):
    folder = copy_of(saved, tmp_path)
    (folder / name).write_text('{"tokens": ')
    with pytest.raises(ValueError) as error:
        Translator.load(folder)
    assert str(folder / name) in str(error.value) and "save" in str(error.value)


def test_a_vocabulary_from_another_training_is_refused(tiny, saved, tmp_path):
    vocab = [*tiny.fr_vocab.tokens, "extra"]
    with pytest.raises(ValueError) as error:
        Translator(tiny.fullmodel, tiny.en_vocab, data.Vocabulary(vocab, "fr"), 3, 4)
    names(error.value, "fr vocabulary", str(len(vocab)), "decoder_embedding", str(len(tiny.fr_vocab)),
          "Translator.save")
    folder = copy_of(saved, tmp_path)
    data.Vocabulary(vocab, "fr").save(folder / "fr_vocab.json")
    with pytest.raises(ValueError) as error:
        Translator.load(folder)
    names(error.value, str(folder), "fr_vocab.json", "manifest.json", "Translator.save")


def test_a_vocabulary_of_the_right_size_in_another_order_is_refused(tiny, saved, tmp_path):
    folder = copy_of(saved, tmp_path)
    tokens = tiny.fr_vocab.tokens
    data.Vocabulary([tokens[0], *reversed(tokens[1:])], "fr").save(folder / "fr_vocab.json")
    with pytest.raises(ValueError) as error:
        Translator.load(folder)
    names(error.value, str(folder), "fr_vocab.json", "manifest.json", "Translator.save")


def test_a_french_vocabulary_without_start_and_end_is_refused_at_load(tiny, saved, tmp_path):
    tokens = ["<pad>", *(t for t in tiny.fr_vocab.tokens[1:] if t not in (text.START, text.END)), "x", "y"]
    with pytest.raises(ValueError, match="French vocabulary has no START_ and no _END"):
        Translator(tiny.fullmodel, tiny.en_vocab, data.Vocabulary(tokens, "fr"), 3, 4)
    folder = copy_of(saved, tmp_path)
    data.Vocabulary(tokens, "fr").save(folder / "fr_vocab.json")
    forge_manifest(folder)
    with pytest.raises(ValueError, match="no START_ and no _END"):
        Translator.load(folder)


def test_swapped_vocabularies_are_refused(tiny):
    with pytest.raises(ValueError, match="swapped"):
        Translator(tiny.fullmodel, tiny.fr_vocab, tiny.en_vocab, 3, 4)


def test_a_model_without_the_expected_layer_names_is_refused(tiny, saved, tmp_path):
    renamed = keras.Model.from_config(
        json.loads(json.dumps(tiny.fullmodel.get_config()).replace('"decoder_lstm"', '"lstm_7"')))
    with pytest.raises(ValueError) as error:
        Translator(renamed, tiny.en_vocab, tiny.fr_vocab, 3, 4)
    names(error.value, "decoder_lstm")
    folder = copy_of(saved, tmp_path)
    renamed.save(folder / "fullmodel.keras")
    with pytest.raises(ValueError) as error:
        Translator.load(folder)
    names(error.value, str(folder), "fullmodel.keras", "manifest.json", "Translator.save")


def test_the_attention_model_is_refused_though_its_layer_names_match(tiny, saved, tmp_path):
    sizes = len(tiny.en_vocab), len(tiny.fr_vocab), 16, 8
    model = attention.build_attention_model(*sizes)
    with pytest.raises(ValueError) as error:
        Translator(model, tiny.en_vocab, tiny.fr_vocab, 3, 4)
    names(error.value, "build_training_model", "attention, attention_combine", "greedy_with_attention")
    folder = copy_of(saved, tmp_path)
    model.save(folder / "fullmodel.keras")
    with pytest.raises(ValueError) as error:
        Translator.load(folder)
    names(error.value, str(folder), "fullmodel.keras", "manifest.json")
    forge_manifest(folder)
    with pytest.raises(ValueError) as error:
        Translator.load(folder)
    names(error.value, "fullmodel.keras", "build_training_model", "greedy_with_attention")


def test_a_manifest_whose_architecture_is_not_the_model_is_refused(saved, tmp_path):
    folder = copy_of(saved, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["architecture"][-1][2]["units"] += 1
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError) as error:
        Translator.load(folder)
    names(error.value, str(folder), "fullmodel.keras", "manifest.json", "architecture")


@pytest.fixture(scope="module")
def other_saved(tiny_varied_trained, tmp_path_factory):
    """A translator from another training (another corpus): every one of its files differs from ``saved``'s."""
    ds, fullmodel = tiny_varied_trained
    return Translator.from_dataset(fullmodel, ds).save(tmp_path_factory.mktemp("other"))


FILES = ("fullmodel.keras", "en_vocab.json", "fr_vocab.json", "limits.json", "manifest.json")


@pytest.mark.parametrize("mix", [m for m in itertools.product((0, 1), repeat=len(FILES)) if 0 < sum(m) < len(FILES)],
                         ids=lambda m: "+".join(name.split(".")[0] for name, b in zip(FILES, m) if b) or "none")
def test_files_of_two_trainings_never_load_together(saved, other_saved, tmp_path, mix):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name, other in zip(FILES, mix, strict=True):
        shutil.copy((other_saved if other else saved) / name, folder / name)
    with pytest.raises(ValueError, match="Translator.save"):
        Translator.load(folder)


def test_both_trainings_load_on_their_own(saved, other_saved):
    for folder in (saved, other_saved):
        assert Translator.load(folder).translate("He eats.")


# Outputs that are not translations: never returned as if they were.
@pytest.fixture(scope="module")
def biased(tiny):
    """A translator of the tiny model with its softmax pushed towards one French token (made once per token)."""
    @functools.cache
    def towards(token):
        model = keras.Model.from_config(tiny.fullmodel.get_config())
        model.set_weights(tiny.fullmodel.get_weights())
        kernel, bias = model.get_layer("decoder_dense").get_weights()
        bias[tiny.fr_vocab.index[token]] += 1000.0
        model.get_layer("decoder_dense").set_weights([kernel, bias])
        return Translator(model, tiny.en_vocab, tiny.fr_vocab, tiny.max_len_en, tiny.max_decoder_len)
    return towards


@pytest.mark.parametrize("token, output", [(text.END, "''"), (".", "'....")])
def test_an_output_without_a_french_word_is_an_error(biased, token, output):
    translator = biased(token)
    with pytest.raises(EmptyTranslationError, match=f"output {re.escape(output)}.* holds no French word"):
        translator.translate("He eats.")
    with pytest.raises(BadSentencesError, match="sentence 0 'He eats.': EmptyTranslationError"):
        translator.translate_batch(["He eats."])
    [result] = translator.translate_batch(["He eats."], on_error="report")
    assert result.french is None and result.error.startswith("EmptyTranslationError: ")


def test_an_output_cut_at_the_length_limit_is_flagged(tiny, saved, tmp_path, capsys):
    short = Translator(tiny.fullmodel, tiny.en_vocab, tiny.fr_vocab, tiny.max_len_en, 2)
    full = tiny.translate("He eats.")
    with pytest.warns(TruncatedTranslationWarning, match="limit of 2 .*_END"):
        assert short.translate("He eats.") == text.detokenize(text.tokenize(full)[:2])
    [result] = short.translate_batch(["He eats."])
    assert result.french and result.error is None and "cut short" in result.warning
    assert tiny.translate_batch(["He eats."])[0].warning is None
    folder = short.save(tmp_path / "short")
    assert translator.main([str(folder), "He eats."]) == 0
    out, err = capsys.readouterr()
    assert out == result.french + "\n" and err.startswith("argument 1: warning: the translation reached the limit")
    assert translator.main([str(folder), "--strict", "He eats."]) == 1


# The command line's --input file.
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le-bom-less", "utf-8"])
def test_input_files_in_other_encodings_keep_their_first_line(tiny, saved, tmp_path, capsys, encoding):
    path = tmp_path / "in.txt"
    lines = "He eats.\r\nShe reads.\r\n"
    if encoding == "utf-16-le-bom-less":
        path.write_bytes(lines.encode("utf-16-le"))
        assert translator.main([str(saved), "--input", str(path)]) == 2
        names(capsys.readouterr().err, str(path), "UTF-16", "--encoding utf-16-le")
        assert translator.main([str(saved), "--input", str(path), "--encoding", "utf-16-le"]) == 0
    else:
        path.write_bytes(lines.encode(encoding))
        assert translator.main([str(saved), "--input", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [tiny.translate("He eats."), tiny.translate("She reads.")] and err == ""


def test_a_latin1_input_file_names_the_line_and_the_option(saved, tmp_path, capsys):
    path = tmp_path / "in.txt"
    path.write_bytes("He eats.\nHe café.\n".encode("latin-1"))
    assert translator.main([str(saved), "--input", str(path)]) == 2
    err = capsys.readouterr().err
    names(err, str(path), "line 2", "UTF-8", "--encoding latin-1")
    assert translator.main([str(saved), "--input", str(path), "--encoding", "latin-1"]) == 1
    assert f"{path} line 2: UnknownWordsError" in capsys.readouterr().err


def test_line_numbers_count_the_file_not_the_arguments_before_it(saved, tmp_path, capsys):
    path = tmp_path / "in.txt"
    path.write_text("She reads.\nHe flies.\n")
    assert translator.main([str(saved), "He eats.", "--input", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path} line 2: UnknownWordsError") and "argument" not in err


def test_the_command_line_never_prints_a_traceback(saved, tmp_path, capsys):
    (tmp_path / "broken").mkdir()
    for argv in ([str(tmp_path / "nope"), "He eats."], [str(tmp_path / "broken"), "He eats."],
                 [str(saved), "--input", str(tmp_path / "nope.txt")], [str(saved), "x" * 100_000]):
        assert translator.main(argv) in (1, 2)
        err = capsys.readouterr().err
        assert "Traceback" not in err and len(err) < 1000, err[:300]


# Property-based: whatever goes in, every item comes back translated (with words) or with a documented error.
DOCUMENTED = {"TypeError", "ValueError", "UnknownWordsError", "EmptyTranslationError"}
items = st.one_of(
    st.text(), st.binary(max_size=20), st.none(), st.integers(), st.floats(), st.lists(st.text(), max_size=2),
    st.sampled_from([en for en, _ in PAIRS]),
    st.lists(st.sampled_from(["he", "she", "we", "eats", "reads", "read", "eat", ".", "?", "!", "HE", "\u00a0"]),
             max_size=6).map(" ".join))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(items, max_size=6), bias=st.sampled_from([None, text.END, "."]))
def test_every_item_is_translated_or_has_a_documented_error(tiny, biased, batch, bias):
    translator = tiny if bias is None else biased(bias)
    results = translator.translate_batch(batch, on_error="report")
    assert len(results) == len(batch)
    for item, result in zip(batch, results, strict=True):
        assert result.source is item
        if result.error is None:
            assert isinstance(result.french, str) and re.search(r"\w", result.french), result
        else:
            assert result.french is None and result.error.split(":")[0] in DOCUMENTED, result
    try:
        raised = translator.translate_batch(batch)
    except BadSentencesError:
        assert any(r.error for r in results)
    else:
        assert [r.french for r in raised] == [r.french for r in results] and not any(r.error for r in results)


# Saves that cannot interleave.
RACE = """
import sys, time
from pathlib import Path
from s2sbook.translator import Translator

source, target, ready, other = sys.argv[1:]
translator = Translator.load(source)
Path(ready).touch()
while not Path(other).exists():  # both processes start saving together, whenever each got here
    time.sleep(0.001)
for _ in range(6):
    translator.save(target)
"""


def same_translator(a, b) -> bool:
    return (a.en_vocab, a.fr_vocab, a.max_len_en, a.max_decoder_len) == (
        b.en_vocab, b.fr_vocab, b.max_len_en, b.max_decoder_len) and all(
        np.array_equal(x, y) for x, y in itertools.zip_longest(a.fullmodel.get_weights(), b.fullmodel.get_weights(),
                                                              fillvalue=np.zeros(0)))


def test_two_processes_saving_into_one_folder_at_once_leave_exactly_one_of_their_saves(saved, other_saved, tmp_path):
    target, ready = tmp_path / "shared", [tmp_path / "ready-0", tmp_path / "ready-1"]
    processes = [subprocess.Popen([sys.executable, "-c", RACE, str(source), str(target), str(mine), str(theirs)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for source, mine, theirs in ((saved, *ready), (other_saved, *ready[::-1]))]
    errors = [process.communicate(timeout=600)[1] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], [e[-2000:] for e in errors]
    loaded = Translator.load(target)
    assert [same_translator(loaded, Translator.load(s)) for s in (saved, other_saved)].count(True) == 1
    assert sorted(p.name for p in target.iterdir()) == sorted(FILES)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


def test_a_save_into_a_symbolic_link_loop_names_the_link(tiny, tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(FileExistsError) as error:
        tiny.save(loop)
    assert str(loop) in str(error.value) and "symbolic link" in str(error.value) and "loops" in str(error.value)


def test_a_save_over_another_save_keeps_the_folders_other_files(tiny, other_saved, tmp_path):
    folder = shutil.copytree(other_saved, tmp_path / "folder")
    (folder / "notes.txt").write_text("mine")
    tiny.save(folder)
    assert same_translator(Translator.load(folder), tiny) and (folder / "notes.txt").read_text() == "mine"


# Model files that hold code, or that Keras cannot build: refused by name, never with Keras's unsafe way out.
def with_extra_layer(saved, tmp_path, layer: dict):
    """A copy of the saved folder whose model config holds one more layer, with a manifest that vouches for
    it (a crafted folder can recompute its hashes: the manifest proves integrity, not authenticity)."""
    folder = copy_of(saved, tmp_path)
    path = folder / "fullmodel.keras"
    with zipfile.ZipFile(saved / "fullmodel.keras") as original, zipfile.ZipFile(path, "w") as copy:
        for name in original.namelist():
            entry = original.read(name)
            if name == "config.json":
                config = json.loads(entry)
                config["config"]["layers"].append(layer)
                entry = json.dumps(config)
            copy.writestr(name, entry)
    forge_manifest(folder)
    return folder


LAMBDA = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None, "name": "lambda",
          "inbound_nodes": [],
          "config": {"name": "lambda", "trainable": True, "arguments": {},
                     "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA", "defaults": None,
                                                                         "closure": None}}}}
OS_SYSTEM = {**LAMBDA, "config": {**LAMBDA["config"], "function": {
    "module": "os", "class_name": "function", "config": "system", "registered_name": "function"}}}
CUSTOM = {"module": "mylayers", "class_name": "MyLayer", "registered_name": "mylayers>MyLayer", "name": "mine",
          "inbound_nodes": [],
          "config": {"name": "mine", "trainable": True}}


@pytest.mark.parametrize("layer, names", [
    (LAMBDA, ["contains Python code", "would run that code", "never hold Python code"]),
    (OS_SYSTEM, ["contains Python code", "would run that code"]),
    (CUSTOM, ["mylayers.MyLayer", "outside Keras"]),
], ids=["lambda", "os.system by module", "unregistered custom layer"])
def test_a_model_file_with_code_is_refused_as_code_and_never_with_the_unsafe_fix(saved, tmp_path, capsys, layer,
                                                                                  names):
    folder = with_extra_layer(saved, tmp_path, layer)
    with pytest.raises(ValueError) as error:
        Translator.load(folder)
    message = str(error.value)
    assert str(folder / "fullmodel.keras") in message and all(name in message for name in names), message
    assert "safe_mode" not in message and "truncated or corrupt" not in message
    assert translator.main([str(folder), "He eats."]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "safe_mode" not in err and names[0] in err


def test_limits_beyond_what_a_translator_decodes_are_refused_without_a_memory_error(saved, tmp_path, capsys):
    folder = copy_of(saved, tmp_path)
    (folder / "limits.json").write_text('{"max_len_en": 3, "max_decoder_len": 1000000000}')
    forge_manifest(folder)
    with pytest.raises(ValueError) as error:
        Translator.load(folder)
    message = str(error.value)
    assert str(folder / "limits.json") in message and "max_decoder_len" in message
    assert str(translator.MAX_TOKENS) in message
    assert translator.main([str(folder), "He eats."]) == 2 and "Traceback" not in capsys.readouterr().err


def test_a_model_file_that_cannot_be_read_is_named_for_that_not_called_corrupt(saved, tmp_path, monkeypatch, capsys):
    folder = copy_of(saved, tmp_path)
    model = folder / "fullmodel.keras"
    model.chmod(0)
    real_open = open

    def no_read(path, *args, **kwargs):  # what the system says to a user without read permission (root reads anyway)
        if Path(path) == model:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", no_read)
    with pytest.raises(PermissionError) as error:
        Translator.load(folder)
    message = str(error.value)
    assert str(model) in message and "permission" in message and "chmod" in message and "corrupt" not in message
    assert translator.main([str(folder), "He eats."]) == 2 and "corrupt" not in capsys.readouterr().err


@pytest.mark.parametrize("content, names", [(b"", "empty"), (b"\xef\xbb\xbf", "byte-order mark"),
                                             (b"\xff\xfe", "byte-order mark")])
def test_an_input_file_without_sentences_is_named(saved, tmp_path, capsys, content, names):
    path = tmp_path / "in.txt"
    path.write_bytes(content)
    assert translator.main([str(saved), "--input", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "no sentences" in err and names in err and "--input FILE" not in err


def test_an_input_file_with_cr_only_line_endings_is_named_not_read_as_one_line(saved, tmp_path, capsys):
    path = tmp_path / "in.txt"
    path.write_bytes(b"He eats.\rShe reads.\r")
    assert translator.main([str(saved), "--input", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "CR" in err and "tr " in err
