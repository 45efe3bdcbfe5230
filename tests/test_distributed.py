"""Chapter 11's distributed training, on the JAX backend with simulated CPU devices, each run in new processes
(s2sbook.distributed.run_jax) as the chapter runs it, on a small slice of the real Tatoeba file."""

import socket
from pathlib import Path

import numpy as np
import pytest

from s2sbook import distributed
from s2sbook.data import REPO_ROOT
from s2sbook.distributed import process_rows, run_jax
from s2sbook.processes import DEVICES_FLAG, ProcessError, run_python

SETTINGS = {"seed": 1234, "latent_dim": 16, "embedding_dim": 16, "learning_rate": 3e-3, "global_batch": 32,
            "epochs": 2}


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("distributed")
    lines = (REPO_ROOT / "data" / "tatoeba-eng-fra.tsv").read_text("utf-8").split("\n")
    corpus = folder / "slice.tsv"
    corpus.write_text("\n".join(lines[:800]) + "\n", encoding="utf-8")
    return {**SETTINGS, "corpus": str(corpus), "out": str(folder)}


def test_process_rows_split_every_global_batch_between_the_processes_in_the_one_process_order():
    one = process_rows(100, 8, seed=1)
    assert len(one) == 96  # whole global batches only
    shares = [process_rows(100, 8, 1, p, processes=2) for p in range(2)]
    for k in range(12):
        batch = np.concatenate([share[4 * k:4 * k + 4] for share in shares])
        assert batch.tolist() == one[8 * k:8 * k + 8].tolist()


def test_four_devices_train_with_replicated_variables_and_the_inference_models_share_them(settings):
    result = run_jax("train", {**settings, "name": "four"}, devices=4)[0]
    assert result["devices"] == 4 and result["local devices"] == 4
    assert result["shared variables"] == 10  # fullmodel's variables, each held once by the inference models
    assert result["largest step difference"] <= 1e-5
    placement = result["placement"]
    kernels = [placement["fullmodel's decoder_dense kernel"], placement["decoder_model's decoder_dense kernel"]]
    # Replicated: a layout that splits no axis, on all 4 devices, each holding the whole (16, words) kernel.
    assert kernels[0] == kernels[1]
    assert (kernels[0]["layout"], kernels[0]["devices"]) == ("P(None, None)", 4)
    assert kernels[0]["each device holds"].startswith("(16, ")
    state = placement["encoder_model's state h, 64 sentences"]
    # Split by sentence: the slice's 64 test sentences (of 800 pairs, split by English sentence), 16 on each device.
    assert (state["layout"], state["each device holds"]) == ("P('batch',)", "(16, 16)")
    assert result["kept its saved model"] and (Path(settings["out"]) / "four.keras").is_file()

    # The same saved model, loaded by a one-device run and decoded there, gives what the four devices gave.
    one = run_jax("train", {**settings, "name": "one", "decode_saved": ["four"]}, devices=1)[0]
    assert one["saved models"]["four"]["translations"] == result["translations"]
    assert 0 < one["saved models"]["four"]["largest weight difference"] < 1e-3  # equal up to rounding


def test_two_processes_train_one_model_and_only_the_first_keeps_its_file(settings):
    results = run_jax("train", {**settings, "name": "two"}, devices=2, processes=2)
    assert [(r["process"], r["devices"], r["local devices"]) for r in results] == [(0, 4, 2), (1, 4, 2)]
    assert [r["kept its saved model"] for r in results] == [True, False]
    assert [path.name for path in Path(settings["out"]).glob("two*.keras")] == ["two.keras"]


@pytest.fixture
def taken_port():
    """A port that another program listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_a_taken_port_fails_the_job_at_once_instead_of_leaving_a_process_waiting(settings, taken_port, monkeypatch):
    monkeypatch.setattr(distributed, "free_address", lambda: f"127.0.0.1:{taken_port}")
    with pytest.raises(ProcessError, match=r"^port: process 0 of 2 exited with status"):
        run_jax("train", {**settings, "name": "port"}, devices=2, processes=2, timeout=300)


def test_a_process_that_does_not_finish_is_stopped_and_shows_where_it_was(settings):
    with pytest.raises(ProcessError, match=r"slow: process 0 of 1 had not finished after 1 s(.|\n)*File "):
        run_jax("train", {**settings, "name": "slow"}, devices=1, timeout=1)


def test_a_failing_process_is_reported_with_its_output(settings):
    with pytest.raises(ProcessError, match=r"broken: process 0 of 1 exited with status 1(.|\n)*No corpus"):
        run_jax("train", {**settings, "corpus": str(Path(settings["out"]) / "missing.tsv"), "name": "broken"},
                devices=1)


# A step that is slow next to dispatching it, 200 times: left alone, fit queues steps ahead of the computation
# (s2sbook/simulated_devices.py says why that can hang, and why no test reproduces the hang).
QUEUED_FIT = """
import sys
import keras
import numpy as np
from s2sbook.distributed import data_parallel
from s2sbook.simulated_devices import WaitForEachStep

keras.distribution.set_distribution(data_parallel())
model = keras.Sequential([keras.Input((512,)), keras.layers.Dense(512), keras.layers.Dense(1)])
model.compile("sgd", "mse")
x = np.ones((64 * 200, 512), "float32")
callbacks = [WaitForEachStep()] if sys.argv[1] == "wait" else []
model.fit(x, x[:, :1], batch_size=64, verbose=0, callbacks=callbacks)
"""
# Eigen's shared pool of helper threads off (each device computes on threads of its own), and XLA warns about,
# then stops, a process whose collective has waited 5 s, then 10 s (instead of its defaults, 20 s and 40 s).
STRICT = (f"{DEVICES_FLAG}=4 --xla_cpu_multi_thread_eigen=false --xla_cpu_collective_call_warn_stuck_timeout_seconds=5 "
          "--xla_cpu_collective_call_terminate_timeout_seconds=10")


def test_waiting_for_each_step_lets_the_same_fit_finish():
    assert run_python(QUEUED_FIT, "wait", devices=4, env={"XLA_FLAGS": STRICT}, timeout=300).status == 0
