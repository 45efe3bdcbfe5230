"""benchmarks/train_throughput.py runs end to end (on a slice of the Tatoeba file, so that it takes seconds)."""

import re

import pytest
from book import load_script


@pytest.fixture
def train_throughput():
    return load_script("benchmarks/train_throughput.py")


LAST_LINE = re.compile(r"bucketed vs padded, training throughput \(real target tokens per second\): "
                       r"([\d.]+)x \(goal: at least ([\d.]+)x\)")


def test_the_benchmark_times_both_pipelines_and_ends_with_the_ratio(train_throughput, capsys):
    status = train_throughput.main(["--pairs", "128", "--epochs", "3", "--goal", "0.5"])
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert lines[0].startswith("tatoeba-eng-fra.tsv: 128 training pairs of 76,037")
    assert lines[1].lstrip().startswith("padded:") and lines[2].lstrip().startswith("bucketed:")
    for line, name in zip(lines[3:5], ("padded", "bucketed")):  # each pipeline's 3 epochs, taken in turns
        assert re.match(rf" *{name}: epochs [\d.]+, [\d.]+, [\d.]+ s \(the first traces\); fastest of the others: ",
                        line)
    last = LAST_LINE.fullmatch(lines[-1])
    assert last and last.group(2) == "0.5"
    assert status == (0 if float(last.group(1)) >= 0.5 else 1)
    assert ("FAILED" in captured.err) == (status == 1)

    # A goal no machine reaches: everything is still printed, and the exit status is 1.
    assert train_throughput.main(["--pairs", "64", "--epochs", "2", "--goal", "1000"]) == 1
    captured = capsys.readouterr()
    assert LAST_LINE.fullmatch(captured.out.strip().splitlines()[-1])
    assert "FAILED: the ratio is under the goal of 1000x" in captured.err


def test_the_benchmark_refuses_bad_options(train_throughput):
    with pytest.raises(SystemExit):
        train_throughput.parse_args(["--pairs", "0"])
    with pytest.raises(SystemExit):
        train_throughput.parse_args(["--goal", "0"])
    with pytest.raises(SystemExit):
        train_throughput.parse_args(["--epochs", "1"])  # the first epoch is never timed
