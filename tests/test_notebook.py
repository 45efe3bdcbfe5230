"""s2sbook.notebook: TensorFlow's C++ log dropped from file descriptor 2 and nothing else; tracebacks a
reader can read (their own line, the type and message, no machine paths)."""

import linecache
import subprocess
import sys

from s2sbook import notebook

TF_LINES = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1795694648.912814   23537 port.cc:153] oneDNN custom operations are on. You may see",
    "I0000 00:00:1795694650.651636   23537 cpu_feature_guard.cc:210] This TensorFlow binary is optimized",
    "To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with the "
    "appropriate compiler flags.",
    "E0000 00:00:1795694651.000001   23600 mkl_util.h:41] oneDNN supports DT_BOOL only on platforms with AVX-512.",
    "W0000 00:00:1795694651.000001   23600 op_level_cost_estimator.cc:699] Error in PredictCost() for the op",
]
OTHER_LINES = [
    "I0000 is not a log line",
    "WARNING:tensorflow:5 out of the last 5 calls to <function f> triggered tf.function retracing.",
    "a plain line",
    "E0000: looks like nothing",
]


def test_only_tensorflows_lines_count_as_its_log():
    assert all(notebook.is_tensorflow_log(line) for line in TF_LINES)
    assert not any(notebook.is_tensorflow_log(line) for line in OTHER_LINES)


def test_quiet_tensorflow_drops_its_lines_from_fd_2_and_passes_the_rest():
    lines = TF_LINES[:2] + OTHER_LINES[:1] + TF_LINES[2:4] + OTHER_LINES[1:]
    program = f"""
import os, time
from s2sbook.notebook import quiet_tensorflow
quiet_tensorflow()
quiet_tensorflow()  # a second call changes nothing
for line in {lines!r}:
    os.write(2, (line + "\\n").encode())
os.write(2, b"no newline at the end")
time.sleep(0.5)
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stderr.splitlines() == OTHER_LINES + ["no newline at the end"] or done.stderr.splitlines() == (
        OTHER_LINES)  # the unterminated line arrives when the process ends, if it ends after the reader
    assert done.stdout == ""


def test_paths_are_cut_to_their_last_two_parts():
    text = ("File /work/venv/lib/python3.11/site-packages/keras/src/saving/saving_api.py, line 3; "
            "folder /work/h11-cache/saved_translator/ and C:\\Users\\me\\s2s\\fr_vocab.json; 2/3 stays")
    assert notebook.without_paths(text) == (
        "File …/saving/saving_api.py, line 3; folder …/h11-cache/saved_translator and …/s2s/fr_vocab.json; "
        "2/3 stays")



def test_a_temporary_folders_random_name_is_left_out_of_a_path():
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    assert notebook.TEMPORARY_FOLDER.fullmatch(folder.name)  # the premise: tempfile's names look like this
    text = f"No file or directory: '{folder / 'fra.txt'}'; saving to {folder / 's2s'}"
    assert notebook.without_paths(text) == "No file or directory: '…/fra.txt'; saving to …/s2s"


def cell_error(code: str):
    """An exception raised by ``code`` compiled as IPython names a notebook cell's file."""
    filename = "/tmp/ipykernel_4242/123456.py"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)  # as IPython does
    try:
        exec(compile(code, filename, "exec"), {})
    except Exception:
        return sys.exc_info()
    raise AssertionError("no exception")


def test_a_short_traceback_shows_the_readers_line_type_and_message():
    etype, value, tb = cell_error("x = 1\nopen('/work/h11/_artifacts/no/such/file.json')")
    assert notebook.short_traceback(etype, value, tb) == [
        "Cell line 2: open('/work/h11/_artifacts/no/such/file.json')",
        "FileNotFoundError: [Errno 2] No such file or directory: '…/such/file.json'",
    ]


def test_a_long_message_is_wrapped_to_the_column_and_cut():
    etype, value, tb = cell_error("raise ValueError(' '.join(['word'] * 1000))")
    lines = notebook.short_traceback(etype, value, tb)
    assert lines[0].startswith("Cell line 1: raise ValueError")
    assert all(len(line) <= notebook.WIDTH for line in lines[1:])
    assert len(lines) == 2 + notebook.MAX_MESSAGE_LINES and lines[-1].endswith("(message cut)")


def test_arrays_in_a_message_lose_their_values():
    message = ("inputs=[array([[1]]), <tf.Tensor: shape=(1, 50), dtype=float32, numpy=\narray([[-9.7e-01,  7.3e-04,"
               "  2.6e-03, -7.3e-01,\n        -6.4e-01,  1.7e-01]], dtype=float32)>]")
    etype, value, tb = cell_error(f"raise ValueError({message!r})")
    assert notebook.short_traceback(etype, value, tb)[1:] == [
        "ValueError: inputs=[array([[1]]), <tf.Tensor: shape=(1, 50), dtype=float32,",
        "  numpy=array(…)>]",
    ]


def test_a_statement_over_several_lines_is_shown_whole():
    etype, value, tb = cell_error("x = 1\nresult = int(\n    'not a number'\n)\n")
    assert notebook.short_traceback(etype, value, tb) == [
        "Cell lines 2-4:", "  result = int(", "      'not a number'", "  )",
        "ValueError: invalid literal for int() with base 10: 'not a number'",
    ]


def test_record_outside_a_kernel_records_nothing_and_does_not_fail(capsys):
    from s2sbook import budgets

    budgets._glue("peak_memory_mb", 123)  # the stand-in for myst_nb.glue, used where myst-nb is absent
    assert capsys.readouterr().out == ""


def test_terminal_colours_are_left_out_of_a_message():
    etype, value, tb = cell_error("raise ValueError('\\x1b[1mInvalid input shape\\x1b[0m')")
    assert notebook.short_traceback(etype, value, tb)[1:] == ["ValueError: Invalid input shape"]


def test_readable_tables_show_every_cell_in_full():
    import pandas as pd

    long = ("notre nouvelle histoire " * 5).strip()  # longer than pandas' default cut at 50 characters
    table = pd.DataFrame({"french": [long], **{f"c{i}": [i] for i in range(30)}})
    with pd.option_context("display.max_colwidth", 50):
        assert long not in table._repr_html_()  # what pandas does by default: the premise of the fix
        notebook.readable_tables()
        html = table._repr_html_()  # what Jupyter shows
        assert long in html and "c29" in html
