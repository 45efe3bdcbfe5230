"""benchmarks/decode_speed.py runs end to end (on the tiny corpus, so that it takes seconds)."""

import importlib.util
import re
from pathlib import Path

import pytest

from s2sbook import cache, data

from tiny import write_corpus

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "decode_speed.py"


@pytest.fixture
def decode_speed():
    spec = importlib.util.spec_from_file_location("decode_speed", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_times_every_method_and_ends_with_the_ratio(decode_speed, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(data.CORPUS_ENV, str(write_corpus(tmp_path)))
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    assert decode_speed.main(["--split", "train", "--sample", "3", "--repeats", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    for method in ("classic loop", "direct model calls", "compiled step", "batched greedy", "beam search, k=3"):
        assert any(line.startswith(method) for line in lines), method
    assert "identical translations on the 3-sentence sample" in "\n".join(lines)
    last = re.fullmatch(r"batched greedy vs classic loop, speed-up per sentence: ([\d,]+)x \(goal: at least 1,000x\)",
                        lines[-1])
    assert last and int(last.group(1).replace(",", "")) > 1


def test_the_benchmark_refuses_bad_options(decode_speed):
    with pytest.raises(SystemExit):
        decode_speed.parse_args(["--sample", "0"])
    with pytest.raises(SystemExit):
        decode_speed.parse_args(["--split", "dev"])
