"""Tests for the synthetic English->French corpus in data/eng-fra.tsv."""

import re
import subprocess
import sys
from collections import Counter, defaultdict

import pytest
from book import ROOT

SCRIPT = ROOT / "data" / "make_corpus.py"
CORPUS = ROOT / "data" / "eng-fra.tsv"

NNBSP, NBSP, THIN = "\u202f", "\u00a0", "\u2009"


@pytest.fixture(scope="module")
def raw():
    return CORPUS.read_bytes()


@pytest.fixture(scope="module")
def rows(raw):
    text = raw.decode("utf-8")
    assert text.endswith("\n")
    return [line.split("\t") for line in text[:-1].split("\n")]


# (a) ------------------------------------------------------------------------
def test_regeneration_is_byte_identical(tmp_path, raw):
    out = tmp_path / "eng-fra.tsv"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)], check=True, cwd=tmp_path, capture_output=True, timeout=300
    )
    assert out.read_bytes() == raw


# (b) ------------------------------------------------------------------------
def test_file_encoding_and_line_endings(raw):
    assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM"
    assert b"\r" not in raw
    raw.decode("utf-8")


def test_three_non_empty_columns(rows):
    for i, cols in enumerate(rows, 1):
        assert len(cols) == 3, f"line {i}: {cols!r}"
        assert all(c.strip() == c and c for c in cols), f"line {i}: {cols!r}"
        assert "[[" not in "\t".join(cols), f"line {i}: unknown word {cols!r}"


def test_sentence_shape(rows):
    for en, fr, _ in rows:
        assert en[0].isupper() and fr[0].isupper(), (en, fr)
        assert en[-1] in ".?!" and fr[-1] in ".?!", (en, fr)
        assert en[-1] == fr[-1], (en, fr)


# (c) ------------------------------------------------------------------------
def test_size_and_uniqueness(rows):
    pairs = {(en, fr) for en, fr, _ in rows}
    assert len(pairs) == len(rows), "duplicate lines"
    assert 10_000 <= len(pairs) <= 14_000
    fr_of = defaultdict(set)
    for en, fr, _ in rows:
        fr_of[en].add(fr)
    ambiguous = {en: frs for en, frs in fr_of.items() if len(frs) > 1}
    assert not ambiguous, list(ambiguous.items())[:5]


def test_no_banned_english(rows):
    # French would depend on information the English does not give.
    banned = re.compile(r"\b(you|your|they|their|it)\b", re.I)
    bad = [en for en, _, _ in rows if banned.search(en)]
    assert not bad, bad[:5]


# (d) ------------------------------------------------------------------------
def test_negation_uses_de(rows):
    # "Il ne mange pas une pomme" -> "Il ne mange pas de pomme", also after a
    # past participle ("n'a pas mangé de pomme").
    bad_neg = re.compile(r"\bpas (?:\S+ )?(?:un|une|des|du)\b|\bpas (?:\S+ )?de (?:la\b|l')")
    bad = [fr for _, fr, _ in rows if bad_neg.search(fr)]
    assert not bad, bad[:5]


def test_elision(rows):
    # pyrealb elides je/ne/le/la/de itself; "que" in "Est-ce que" is elided by
    # make_corpus.py (pyrealb leaves the added question word alone); se/me/te
    # never occur in this corpus.  No h-aspiré nouns are used, so every h is mute.
    missing = re.compile(r"\b(de|que|ne|le|la|je|se|me|te)\s+[aeiouhéèêàâîôûAEIOUHÉ]")
    bad = [fr for _, fr, _ in rows if missing.search(fr)]
    assert not bad, bad[:5]
    # ...and the check is not vacuous: the elided forms really occur.
    joined = "\n".join(fr for _, fr, _ in rows)
    for form in ("J'", "n'", "l'", "d'", "qu'"):
        assert form in joined, form


# (e) ------------------------------------------------------------------------
def test_space_before_question_and_exclamation_marks(rows):
    used = Counter()
    for _, fr, _ in rows:
        for m in re.finditer(r"[?!]", fr):
            before = fr[m.start() - 1]
            assert before in (NNBSP, NBSP, THIN), repr(fr)
            used[before] += 1
    assert set(used) == {NNBSP, NBSP, THIN}
    assert used[NNBSP] > used[NBSP] + used[THIN], used
    for en, _, _ in rows:  # English has no space before ? or !
        assert not re.search(r"\s[?!]", en), repr(en)


def test_tatoeba_file_is_the_documented_one():
    """data/README.md gives the real corpus's provenance by its hash; the shipped file must match."""
    import hashlib

    digest = hashlib.sha256((ROOT / "data" / "tatoeba-eng-fra.tsv").read_bytes()).hexdigest()
    assert digest in (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert digest == "0054ea2102484f4800d0b2cca57460b6b4a2e05328e6954240601065b001b1a6"
