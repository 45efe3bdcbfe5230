"""Chapter 10 on the tiny corpus: the book's proof on TensorFlow, JAX and PyTorch, each backend in a
process of its own (``run_on``); one .keras file, saved by TensorFlow, translated alike on all three;
and a chapter imports TensorFlow only to teach a tool of TensorFlow's that Keras does not have."""

import ast
import json

import numpy as np
import pytest
from book import cell_source, cells, chapters_importing, toc_notebooks
from tiny import RECIPE, write_corpus

from s2sbook.backends import BACKENDS, run_on
from s2sbook.processes import ProcessError

# The TensorFlow tools a chapter may teach (and so import TensorFlow for): TF1's graph scopes (tf.compat.v1),
# tf.function, tf.data, and the SavedModel a server loads (tf.saved_model, chapter 14). Everything else has a
# keras equivalent that runs on every backend.
TENSORFLOW_TOOLS = {"compat", "function", "data", "saved_model"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("three-backends")


@pytest.fixture(scope="module")
def results(folder, monkeypatch_module):
    """Each backend's results, run once per backend when first asked for (TensorFlow first: it saves the
    .keras file that the others load)."""
    corpus = str(write_corpus(folder))
    done = {}

    def result(backend):
        for needed in BACKENDS[: BACKENDS.index(backend) + 1]:
            if needed not in done:
                run_on(needed, "on_this_backend", folder=str(folder), rows=24, epochs=2, recipe=RECIPE,
                       corpus=corpus)
                done[needed] = json.loads((folder / f"{needed}.json").read_text())
        return done[backend]

    return result


@pytest.fixture(scope="module")
def monkeypatch_module(tmp_path_factory):
    # The TensorFlow process trains the tiny model through load_or_train: into a cache of this module's own.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("S2S_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield patch


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_books_proof_holds_on_each_backend(results, backend):
    result = results(backend)
    assert result["environment"]["backend"] == backend
    assert result["variables shared"] == 10
    assert result["change through fullmodel seen by decoder_model"] is True
    assert result["largest step-by-step difference"] <= 1e-5
    assert result["decoder_model's held by fullmodel"] == "6 of 6"
    assert result["same Keras Variable after a step"] is True
    assert result["variable after epoch 1"] == "updated"
    assert result["... once a callback reads self.model"] == "updated"  # on JAX, Keras syncs it first
    # What the backend holds behind a Keras Variable: updated in place (TensorFlow, PyTorch), or replaced by a
    # new array at every step and kept in fit's own state during an epoch (JAX).
    held, in_place, after_batch = {
        "tensorflow": ("tensorflow.ResourceVariable", True, "updated"),
        "torch": ("torch.Parameter", True, "updated"),
        "jax": ("jaxlib.ArrayImpl", False, "no array (fit holds it)"),
    }[backend]
    assert result["what holds a weight"] == held
    assert result["same held object after a step"] is in_place
    assert result["variable after batch 1"] == after_batch
    if backend == "torch":
        assert result["every layer a torch.nn.Module"] is True
        assert result["decoder_model.parameters() in fullmodel's"] == "7 of 7"


def test_one_keras_file_translates_alike_on_the_three_backends(results, folder):
    translations = {backend: results(backend)["translations"] for backend in BACKENDS}
    assert len(translations["tensorflow"]) > 0
    assert translations["jax"] == translations["tensorflow"] == translations["torch"]
    probabilities = {b: np.load(folder / f"{b}.npz")["probabilities"] for b in BACKENDS}
    for backend in ("jax", "torch"):
        assert probabilities[backend].shape == probabilities["tensorflow"].shape
        np.testing.assert_allclose(probabilities[backend], probabilities["tensorflow"], atol=1e-5)


def test_run_on_names_the_function_and_the_backend_and_shows_the_error():
    with pytest.raises(ProcessError) as raised:
        run_on("jax", "no_such_function")
    message = str(raised.value)
    assert message.startswith("no_such_function on the jax backend: process 0 of 1 exited with status 1")
    assert "ImportError" in message


def tensorflow_attributes(notebook) -> set[str]:
    """The names a chapter's code takes from TensorFlow (``tf.function`` -> ``function``)."""
    code = [cell_source(c) for c in cells(notebook) if c["cell_type"] == "code"]
    return {node.attr for text in code for node in ast.walk(ast.parse("\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith(("%", "!")))))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "tf"}


def test_no_chapter_imports_tensorflow_but_to_teach_a_tensorflow_tool():
    importing = chapters_importing("tensorflow")
    assert importing  # so that the rule below is checked on something
    for notebook in toc_notebooks():
        if notebook.name in importing:
            assert tensorflow_attributes(notebook) & TENSORFLOW_TOOLS, (
                f"{notebook.name} imports TensorFlow: use keras (keras.ops, keras.random, keras.utils) so that "
                f"the chapter runs on every backend (chapter 10), or teach one of tf.{sorted(TENSORFLOW_TOOLS)}")
