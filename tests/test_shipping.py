"""Chapter 14: the SavedModel and the ONNX files of a tiny model translate its test split exactly as Keras
does, each served in a process that has no Keras (and, for ONNX Runtime, no TensorFlow)."""

import numpy as np
import pytest

from s2sbook.shipping import SHIPPED, agreement, ship_and_compare, side_by_side
from s2sbook.standalone import StandaloneError, run_standalone

SERVED = ("SavedModel (TensorFlow)", "ONNX Runtime")


@pytest.fixture(scope="module")
def shipped(tiny_trained, tmp_path_factory):
    ds, fullmodel = tiny_trained
    folder = tmp_path_factory.mktemp("shipped")
    runs, files = ship_and_compare(fullmodel, ds, folder, split="test", sample=2)
    return ds, folder, runs, files


@pytest.mark.parametrize("engine", SERVED)
def test_the_served_models_translate_the_test_split_as_keras(shipped, engine):
    ds, _, runs, _ = shipped
    same = agreement(runs[engine], runs["Keras"], ds, "test")
    assert same["sentences"] == len(ds.split["test"]) > 0
    assert runs[engine]["translations"] == runs["Keras"]["translations"]
    assert same["identical"] == same["sentences"]
    assert same["max_difference"] <= 1e-5
    # The positions compared are the real target tokens of the split, every one.
    assert same["positions"] == int((ds.part("test")[2] != 0).sum())
    assert runs[engine]["probabilities"].shape == runs["Keras"]["probabilities"].shape


def test_the_table_has_every_engine_with_its_files(shipped):
    ds, _, runs, files = shipped
    table = side_by_side(runs, files, ds)
    assert list(table.index) == ["Keras", *SERVED, "numpy (chapter 8)"]
    assert (table["files KB"] > 0).all() and (table["ms/sentence"] >= 0).all()
    n = len(ds.split["test"])
    assert list(table[table.columns[2]]) == ["-", *[f"{n} of {n}"] * 3]


def keras_in_this_process(folder):
    import sys

    import tensorflow as tf

    encoder = tf.saved_model.load(f"{folder}/encoder_model").signatures["serving_default"]
    state = encoder(encoder_inputs=tf.constant([[3, 4, 0]], dtype=tf.int32))
    # The block leaves None under sys.modules["keras"]: a module of Keras would be a module object.
    keras_modules = [n for n, m in sys.modules.items() if n.split(".")[0] == "keras" and m is not None]
    return {"keras": keras_modules, "state": state["output_0"].numpy().tolist()}


def test_the_saved_model_loads_and_runs_where_keras_cannot_be_imported(shipped):
    _, folder, _, _ = shipped
    answer = run_standalone(keras_in_this_process, folder=str(folder))
    assert answer["result"]["keras"] == []
    assert np.asarray(answer["result"]["state"]).shape[0] == 1
    assert answer["peak_memory_mb"] > 0


def import_tensorflow():
    import sys

    import tensorflow  # noqa: F401

    return sys.modules.get("keras") is not None


def test_import_tensorflow_imports_keras_unless_blocked_which_is_why_the_process_blocks_it():
    # If a TensorFlow release stops importing Keras, the block in s2sbook/standalone.py (and its docstring's
    # reason) can go.
    with pytest.raises(StandaloneError, match="the standalone process imported keras"):
        run_standalone(import_tensorflow, block=False)
    assert run_standalone(import_tensorflow)["result"] is False


def import_keras():
    import keras  # noqa: F401

    return True


def test_a_function_that_imports_keras_fails_and_says_so():
    with pytest.raises(StandaloneError, match=r"(?s)^import_keras .*import of keras halted"):
        run_standalone(import_keras)


def test_the_onnx_files_are_the_two_inference_models_from_tf2onnx(shipped):
    import onnx

    _, folder, _, files = shipped
    assert [p.name for p in files["ONNX Runtime"]] == list(SHIPPED["onnx"])
    for path in files["ONNX Runtime"]:
        graph = onnx.load(path)
        assert graph.producer_name == "tf2onnx"
    decoder = onnx.load(files["ONNX Runtime"][1])
    assert [i.name for i in decoder.graph.input] == ["decoder_inputs", "h", "c"]
