"""The d2l pattern: what a chapter teaches inline, the package holds for later chapters. Keep them equal."""

import ast
import inspect
import json
from pathlib import Path

import numpy as np
import pytest

from s2sbook import data, decoding, evaluation, models, training

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"


def inline_definitions(notebook: str) -> tuple[dict, dict]:
    """Execute a chapter's imports, UPPER_CASE constants, functions and classes (nothing else).

    Returns the namespace and each definition's AST, for comparison with the package's source.
    """
    cells = json.loads((CHAPTERS / notebook).read_text(encoding="utf-8"))["cells"]
    kept = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        for node in ast.parse("".join(cell["source"])).body:
            constant = isinstance(node, ast.Assign) and all(
                isinstance(t, ast.Name) and t.id.isupper() for t in node.targets)
            if constant or isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
                kept.append(node)
    namespace = {}
    exec(compile(ast.Module(body=kept, type_ignores=[]), notebook, "exec"), namespace)
    definitions = {n.name: n for n in kept if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    return namespace, definitions


class _Unqualify(ast.NodeTransformer):
    """``training.EpochLog`` in a chapter is ``EpochLog`` inside the package."""

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id in {"data", "models", "training", "decoding"}:
            return ast.Name(id=node.attr, ctx=node.ctx)
        return self.generic_visit(node)


def shape_of_code(node) -> str:
    """An AST dump without docstrings, type annotations and ``s2sbook`` module prefixes."""
    node = _Unqualify().visit(ast.parse(ast.unparse(node)).body[0])
    for sub in ast.walk(node):
        if isinstance(sub, (ast.FunctionDef, ast.ClassDef)):
            if sub.body and isinstance(sub.body[0], ast.Expr) and isinstance(sub.body[0].value, ast.Constant):
                sub.body = sub.body[1:]
            if isinstance(sub, ast.FunctionDef):
                sub.returns = None
                for arg in sub.args.args + sub.args.kwonlyargs:
                    arg.annotation = None
    return ast.dump(node)


def package_definition(obj):
    return ast.parse(inspect.getsource(obj)).body[0]


@pytest.fixture(scope="module")
def chapter1():
    return inline_definitions("01_data.ipynb")


@pytest.fixture(scope="module")
def chapter2():
    return inline_definitions("02_training_model.ipynb")


def test_chapter1_tokeniser_equals_the_package(chapter1):
    ns, _ = chapter1
    corpus = data.read_corpus()
    tricky = ["", "  ", "L\u2019HOMME\u202f?", "aujourd'hui", "qu'", "'", "dogs' bones", "1,5 km", "é\u0301", "\ufeff"]
    for text in [s for pair in corpus.pairs[::7] for s in pair] + tricky:
        assert ns["normalize"](text) == data.normalize(text)
        assert ns["tokenize"](text) == data.tokenize(text)


def test_chapter1_arrays_and_split_equal_the_package(chapter1, shipped):
    ns, _ = chapter1
    ds = shipped
    arrays = ns["make_arrays"](ds.en_tokens, ds.fr_tokens, ds.en_vocab, ds.fr_vocab, ds.max_len_en, ds.max_len_fr)
    for mine, theirs in zip(arrays, (ds.encoder_input_data, ds.decoder_input_data, ds.decoder_target_data)):
        np.testing.assert_array_equal(mine, theirs)
    for n, seed in ((10, 0), (12000, data.SEED), (101, 5)):
        ours, theirs = ns["split_indices"](n, seed), data.split_indices(n, seed)
        assert all((ours[k] == theirs[k]).all() for k in theirs)


@pytest.mark.parametrize("name, package_object", [
    ("build_training_model", models.build_training_model),
    ("MaskedAccuracy", models.MaskedAccuracy),
    ("compile_model", models.compile_model),
    ("train_model", training.train_model),
])
def test_chapter2_code_is_the_package_code(chapter2, name, package_object):
    _, definitions = chapter2
    assert shape_of_code(definitions[name]) == shape_of_code(package_definition(package_object))


def test_chapter2_model_has_the_package_models_layers_shapes_and_weights(chapter2):
    ns, _ = chapter2
    assert (ns["LATENT_DIM"], ns["EMBEDDING_DIM"]) == (models.LATENT_DIM, models.EMBEDDING_DIM)
    training.set_seed(11)
    mine = ns["build_training_model"](123, 212)
    training.set_seed(11)
    theirs = models.build_training_model(123, 212)
    describe = lambda m: [(x.name, type(x).__name__, [tuple(w.shape) for w in x.weights]) for x in m.layers]  # noqa: E731
    assert describe(mine) == describe(theirs)
    assert mine.count_params() == theirs.count_params()
    assert all((a == b).all() for a, b in zip(mine.get_weights(), theirs.get_weights()))


def test_chapter3_decode_sequence_equals_the_package(shipped):
    ns, _ = inline_definitions("03_inference_models.ipynb")
    ds = shipped
    training.set_seed(2)
    fullmodel = models.build_training_model(len(ds.en_vocab), len(ds.fr_vocab), latent_dim=8, embedding_dim=4)
    encoder_model, decoder_model = models.inference_models(fullmodel)
    ns.update(encoder_model=encoder_model, decoder_model=decoder_model, ds=ds, max_decoder_len=ds.max_len_fr + 1)
    for i in (0, 5):
        x = ds.encoder_input_data[i:i + 1]
        assert ns["decode_sequence"](x) == decoding.decode_sequence(x, encoder_model, decoder_model, ds.fr_vocab,
                                                                    ds.max_len_fr + 1)


@pytest.fixture(scope="module")
def chapter6():
    return inline_definitions("06_fast_decoding.ipynb")


@pytest.mark.parametrize("name, package_object", [
    ("decode_sequence_direct", decoding.decode_sequence_direct),
    ("compiled_encoder", decoding.compiled_encoder),
    ("compiled_decoder_step", decoding.compiled_decoder_step),
    ("decode_sequence_compiled", decoding.decode_sequence_compiled),
    ("greedy_ids", decoding.greedy_ids),
    ("length_penalty", decoding.length_penalty),
    ("beam_search", decoding.beam_search),
    ("constructions", evaluation.constructions),
])
def test_chapter6_code_is_the_package_code(chapter6, name, package_object):
    _, definitions = chapter6
    assert shape_of_code(definitions[name]) == shape_of_code(package_definition(package_object))


def test_chapter6_construction_rules_use_the_package_word_lists(chapter6):
    ns, _ = chapter6
    for name in ("PLURAL_SUBJECTS", "AVOIR", "ADJECTIVES"):
        assert ns[name] == getattr(evaluation, name), name
