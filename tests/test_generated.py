"""The package modules that the chapters teach are generated from the chapters' #@save cells (the d2l
pattern), so chapter and package cannot drift apart: this test fails when a generated module is stale,
and says the one command that fixes it."""

import subprocess
import sys

from book import ROOT

GENERATOR = ROOT / "tools" / "generate.py"


def test_generated_modules_are_up_to_date():
    done = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_stale_module_is_named_with_the_fix(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate", GENERATOR)
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    fake = tmp_path / "s2sbook"
    fake.mkdir()
    for module in generate.HEADERS:
        (tmp_path / module).write_text("stale\n", encoding="utf-8")
    monkeypatch.setattr(generate, "ROOT", tmp_path)
    assert generate.main(["--check"]) == 1
    assert generate.main([]) == 0
    assert generate.main(["--check"]) == 0
    assert (tmp_path / "s2sbook" / "models.py").read_text(encoding="utf-8") == (
        ROOT / "s2sbook" / "models.py").read_text(encoding="utf-8")
