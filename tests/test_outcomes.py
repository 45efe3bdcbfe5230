"""s2sbook.outcomes (chapter 5's tables of bad input), s2sbook.logs (TensorFlow's warnings collected for a
page) and s2sbook.compiled_steps (decode_batch's compiled step, one per model)."""

import gc
import logging

import numpy as np
import pytest

from s2sbook import compiled_steps, models
from s2sbook.logs import tensorflow_warnings
from s2sbook.outcomes import NO_ERROR, broken_folders, outcomes
from s2sbook.translator import Translator


def test_outcomes_tabulates_each_error_and_says_when_there_was_none(tmp_path):
    def fails(value):
        raise FileNotFoundError(f"there is no folder {tmp_path}/{value}")

    table = outcomes({"missing": (fails, "x"), "fine": (len, "abc"), "bad type": (len, 3)}, hide=tmp_path)
    assert list(table.columns) == ["input", "error", "message"]
    assert table.values.tolist() == [["missing", "FileNotFoundError", "there is no folder x"],
                                     ["fine", NO_ERROR, ""],
                                     ["bad type", "TypeError", "object of type 'int' has no len()"]]
    with pytest.raises(KeyError):  # an error it was not asked to catch is not a row
        outcomes({"other": (lambda _: {}["k"], None)})


def test_every_broken_folder_is_refused_and_the_saved_one_loads(tiny_trained, tmp_path):
    ds, fullmodel = tiny_trained
    translator = Translator.from_dataset(fullmodel, ds)
    saved = translator.save(tmp_path / "saved")
    folders = broken_folders(translator, saved, tmp_path / "broken")
    assert len(folders) == 10 and saved.is_dir()
    table = outcomes({case: (Translator.load, folder) for case, folder in folders.items()}, hide=tmp_path,
                     label="folder")
    assert (table["error"] != NO_ERROR).all(), table[table["error"] == NO_ERROR]
    assert not table["message"].str.contains(str(tmp_path)).any()  # no machine path on the page
    assert outcomes({"saved": (Translator.load, saved)})["error"].tolist() == [NO_ERROR]


def test_tensorflow_warnings_are_collected_without_addresses_and_the_logger_is_restored():
    import tensorflow as tf

    logger = tf.get_logger()
    before = (list(logger.handlers), logger.propagate)
    with tensorflow_warnings() as logged:
        logger.warning("5 calls to <function f at 0x7f9d12ab34> triggered tf.function retracing")
        logging.getLogger("other").info("not TensorFlow's")
    assert logged == ["WARNING: 5 calls to <function f> triggered tf.function retracing"]
    assert (list(logger.handlers), logger.propagate) == before


def test_the_compiled_step_is_made_once_per_model_and_does_not_keep_it_alive(tiny_trained):
    ds, fullmodel = tiny_trained
    encoder_model, decoder_model = models.inference_models(fullmodel)
    _, step = compiled_steps.compiled(encoder_model, decoder_model)
    assert compiled_steps.compiled(encoder_model, decoder_model)[1] is step
    assert step.experimental_get_tracing_count() == 0  # traced when first called, not before
    gc.collect()  # models that earlier tests left for the collector go first, so only this one is counted
    cached = len(compiled_steps._DECODER_STEPS)
    del encoder_model, decoder_model, step
    gc.collect()
    assert len(compiled_steps._DECODER_STEPS) == cached - 1


@pytest.mark.parametrize("rows", [np.zeros(3, dtype="int32"), np.zeros((2, 3), dtype="float32"), [["a"]]])
def test_token_rows_refuses_what_is_not_a_2d_array_of_ids(rows):
    with pytest.raises(ValueError, match=r"2-D array of token ids.*got shape"):
        compiled_steps.token_rows(rows)
