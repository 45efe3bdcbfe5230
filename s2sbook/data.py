"""Chapter 1's pipeline around the code it teaches: reading a ``fra.txt`` corpus, vocabularies (JSON),
and ``prepare()``, which runs the whole chapter in one call (corpus -> tokens -> arrays -> split).

The taught steps live in the generated modules ``text`` and ``arrays``; this module is hand-written."""

from __future__ import annotations

import codecs
import itertools
import json
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .arrays import SEED, make_arrays, pad, split_indices
from .text import END, PAD, START, tokenize, typed_forms

REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CORPUS = REPO_ROOT / "data" / "eng-fra.tsv"
# Real sentences, for chapter 9 (data/README.md: provenance and licence, CC BY 2.0 FR).
TATOEBA_CORPUS = REPO_ROOT / "data" / "tatoeba-eng-fra.tsv"
# One setting points the whole book at another corpus, e.g. the real fra.txt from manythings.org/anki.
CORPUS_ENV = "S2S_CORPUS"
# And one setting reaches read_corpus's on_error from anywhere (prepare, load_or_train, a chapter).
ON_ERROR_ENV = "S2S_ON_ERROR"
# A finished sentence ends with one of these; a French sentence that does not, on a last line with no
# final newline, is taken for a file cut off mid-line. (6 of the 76,037 Tatoeba sentences end in a letter:
# a complete file ends with a newline, so only the last line is ever judged this way.)
SENTENCE_END = frozenset('.!?\u2026\u00bb"\u201d)')
WORD = re.compile(r"\w")  # a token with a letter or digit is a word; the others are punctuation
# A vocabulary built with a frequency cutoff holds this token, and reads every word it lacks as it. Angle
# brackets keep it apart from the tokeniser's output, which never holds "<" next to a letter.
UNK = "<unk>"


def corpus_path() -> Path:
    """The corpus the book uses: ``$S2S_CORPUS`` if set, else the shipped ``data/eng-fra.tsv``."""
    return Path(os.environ.get(CORPUS_ENV) or SHIPPED_CORPUS)


@dataclass
class Corpus:
    """Parsed pairs plus an account of every line that was not a pair."""

    pairs: list[tuple[str, str]]
    path: Path
    lines: int = 0
    blank: int = 0
    malformed: list[tuple[int, str, str]] = field(default_factory=list)  # (line number, reason, text)

    def report(self, shown: int = 10, full_path: bool = False) -> str:
        # The summary names the file; an error names it in full, so the reader finds the one to fix.
        text = (f"{self.path if full_path else self.path.name}: {self.lines} lines, {len(self.pairs)} pairs, "
                f"{self.blank} blank, {len(self.malformed)} malformed")
        for number, reason, line in self.malformed[:shown]:
            text += f"\n  line {number}: {reason}: {line[:60]!r}"
        if len(self.malformed) > shown:
            # The total is in the first line; this says the list is cut, and where the rest are.
            rest = self.malformed[shown:]
            text += f"\n  and {len(rest)} more malformed lines (lines {rest[0][0]} to {rest[-1][0]})"
        return text


class CorpusError(ValueError):
    pass


def on_error_setting(on_error: str | None = None) -> str:
    """``on_error`` if given, else ``$S2S_ON_ERROR`` if set, else ``"raise"``."""
    return on_error or os.environ.get(ON_ERROR_ENV) or "raise"


def read_corpus(path: str | os.PathLike | None = None, on_error: str | None = None) -> Corpus:
    """Read a manythings/Tatoeba ``fra.txt`` file: ``English TAB French [TAB attribution]`` per line.

    Handles a BOM, CRLF line endings and blank lines. A line that is not a pair is never dropped
    silently: with ``on_error="raise"`` the first problems are listed in a ``CorpusError``; with
    ``on_error="skip"`` they are counted in ``Corpus.malformed`` (see ``Corpus.report()``). Left as None,
    ``on_error`` comes from ``$S2S_ON_ERROR`` (default ``"raise"``). A file that was cut off is one of
    these problems: its last line, when it stops inside a UTF-8 character, or when it has no final newline
    and its French no sentence-final mark (see ``SENTENCE_END``).

    The file is read line by line, and reading stops, whatever ``on_error`` says, at the first lines that
    show it is no corpus: another encoding (UTF-16, latin-1), a line of more than ``MAX_LINE_BYTES``
    (a binary file), or ``FIRST_LINES`` lines in a row, from the start, without a pair.
    """
    on_error = on_error_setting(on_error)
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', not {on_error!r} (from the argument or "
                         f"${ON_ERROR_ENV})")
    path = Path(path) if path is not None else corpus_path()
    if not path.is_file():
        raise FileNotFoundError(
            f"No corpus at {path}. The book ships data/eng-fra.tsv; to use another file, "
            f"set the environment variable {CORPUS_ENV} to its path.")
    corpus = Corpus(pairs=[], path=path)
    lines, ends_with_newline, cut_in_character = _read_lines(path, on_error)
    rows = [line.split("\t") if line.strip() else None for line in lines]
    # A file is 3-column (Tatoeba's current format) when most of its pairs have an attribution; a
    # 2-column line there only lacks one. In a 2-column file a third column is a stray tab inside a
    # sentence, which would make the French an "attribution" and the English half a sentence.
    three_columns = sum(len(r) == 3 for r in rows if r) > sum(len(r) == 2 for r in rows if r)
    attribution = _attribution_test([r[2] for r in rows if r and len(r) == 3]) if three_columns else None
    for number, (line, columns) in enumerate(zip(lines, rows, strict=True), start=1):
        corpus.lines += 1
        if number == len(lines) and cut_in_character:
            corpus.malformed.append((number, "the file ends inside a UTF-8 character of this line, so it was cut "
                                     "off (an interrupted download or copy?); get the whole file again", line))
        elif columns is None:
            corpus.blank += 1
        elif "\x00" in line:
            corpus.malformed.append((number, "it holds a NUL byte (\\x00), which no sentence holds (a binary file, "
                                     "or a copy that went wrong?)", line))
        elif "\r" in line:
            corpus.malformed.append((number, "it holds carriage returns (CR) inside it: the file's lines end the old "
                                     "Mac way (CR only), so they read as one; convert them, e.g. "
                                     f"tr '\\r' '\\n' < {path.name} > fixed.tsv", line))
        elif len(columns) not in (2, 3):
            corpus.malformed.append((number, f"expected 2 or 3 tab-separated columns, got {len(columns)}", line))
        elif len(columns) == 3 and not three_columns:
            corpus.malformed.append((number, "3 columns in a file of 2-column lines (a tab inside a sentence?)",
                                     line))
        elif not columns[0].strip() or not columns[1].strip():
            corpus.malformed.append((number, "empty English or French sentence", line))
        elif len(columns) == 3 and attribution and not attribution(columns[2]):
            corpus.malformed.append((number, f"its third column, {shorten(columns[2])}, does not look like an "
                                     "attribution as the file's others do (a tab inside a sentence, which made "
                                     "half of it the French?)", line))
        elif number == len(lines) and not ends_with_newline and _looks_cut(columns, three_columns):
            corpus.malformed.append((number, "the last line has no final newline and its French does not end a "
                                     "sentence (no . ! ? … or », or no attribution in a 3-column file), so the "
                                     "file looks cut off; get the whole file again", line))
        else:
            corpus.pairs.append((columns[0].strip(), columns[1].strip()))
    if corpus.malformed and on_error == "raise":
        raise CorpusError(corpus.report(full_path=True) + "\nFix these lines, or pass on_error='skip' (or set "
                          f"{ON_ERROR_ENV}=skip) to leave them out (they stay counted in Corpus.malformed).")
    if not corpus.pairs:
        raise CorpusError(f"{path}: no sentence pairs in {corpus.lines} lines ({corpus.blank} blank, "
                          f"{len(corpus.malformed)} malformed). A corpus holds one pair per line, "
                          "'English TAB French [TAB attribution]', like data/eng-fra.tsv."
                          + "".join(f"\n  line {n}: {reason}" for n, reason, _ in corpus.malformed[:3]))
    return corpus


# A corpus line is a sentence pair: one that does not end within this many bytes is no corpus line (the
# longest line of the Tatoeba file has 1,041 bytes). Reading stops there, so a binary file is never read whole.
MAX_LINE_BYTES = 100_000
# And a file whose first this many non-blank lines hold no pair is no corpus (of any kind it would read).
FIRST_LINES = 20
# What an attribution (fra.txt's third column) names: a licence, a source, a contributor.
ATTRIBUTION = re.compile(r"(?i:licen[cs]e|attribution|https?://|www\.|tatoeba|copyright|generated|source)"
                         r"|\bCC\b|CC[-0 ]|©|#\d")


def _attribution_test(third_columns: list[str]):
    """How this file's third columns look, as a test of one of them, or None when they are too varied to
    judge (then none is called wrong; most must pass it): an attribution names a licence or source, or
    begins as most of the file's attributions do."""
    firsts = Counter(column.split()[0] for column in third_columns if column.split())
    common = firsts.most_common(1)[0][0] if firsts else None

    def looks_like_attribution(column: str) -> bool:
        return bool(ATTRIBUTION.search(column)) or column.split()[:1] == [common]

    judged = sum(map(looks_like_attribution, third_columns))
    return looks_like_attribution if judged > len(third_columns) / 2 else None


def _read_lines(path: Path, on_error: str) -> tuple[list[str], bool, bool]:
    """The file's lines, decoded (UTF-8, with or without a BOM; CRLF or LF), read one at a time: ``(lines,
    whether the file ends with a newline, whether it ends inside a UTF-8 character)``. An error naming the
    line, the bytes and the fix for a file that is not one (see ``read_corpus``)."""
    lines, ended, multibyte, non_blank, paired = [], True, False, 0, False
    with open(path, "rb") as file:
        for number in itertools.count(1):
            raw = file.readline(MAX_LINE_BYTES + 1)
            if not raw:
                break
            if number == 1:
                _refuse_utf16(path, raw)
                raw = raw.removeprefix(codecs.BOM_UTF8)
            ended = raw.endswith(b"\n")
            if not ended and len(raw) > MAX_LINE_BYTES:
                endings = ("; it holds carriage returns (CR) but no line feed: the file's lines end the old Mac way "
                           f"(CR only). Convert them, e.g. tr '\\r' '\\n' < {path.name} > fixed.tsv"
                           if b"\r" in raw else " (a binary file, or the wrong file?)")
                raise CorpusError(f"{path}: line {number} is longer than {MAX_LINE_BYTES:,} bytes, so the file is not "
                                  f"a corpus of sentence pairs{endings}. Point {CORPUS_ENV} at a fra.txt file.")
            if b"\x00" in raw:
                _refuse_utf16(path, raw, number)
            try:
                line = raw.decode("utf-8").removesuffix("\n").removesuffix("\r")
            except UnicodeDecodeError as error:
                if ended or error.end != len(raw) or error.reason != "unexpected end of data":
                    raise _not_utf8(path, number, raw, error) from None
                # The file ends inside a UTF-8 character: cut off, unless it is the one byte of an accented
                # letter in latin-1 or Windows-1252, in a file that held no other non-ASCII character so far.
                multibyte = multibyte or any(b > 127 for b in raw[:error.start])
                if not multibyte and len(raw) - error.start == 1 and raw[-1] >= 0xE0:
                    raise _not_utf8(path, number, raw, error) from None
                if on_error != "skip":
                    raise CorpusError(
                        f"{path}: line {number} stops inside a UTF-8 character (its last bytes, "
                        f"{raw[error.start:]!r}, begin one): the file was cut off, by an interrupted download or "
                        f"copy. Get the whole file again, or pass on_error='skip' (or set {ON_ERROR_ENV}=skip) to "
                        "leave that last line out; it is then reported in Corpus.malformed.") from None
                lines.append(raw[:error.start].decode("utf-8"))
                return lines, False, True
            multibyte = multibyte or not line.isascii()
            lines.append(line)
            if not paired and line.strip():
                non_blank += 1
                columns = line.split("\t")
                paired = len(columns) in (2, 3) and bool(columns[0].strip() and columns[1].strip())
                if non_blank == FIRST_LINES and not paired:
                    raise CorpusError(
                        f"{path}: none of its first {FIRST_LINES} lines is a sentence pair (line 1: "
                        f"{shorten(lines[0], 60)}), so it is not a corpus. A corpus holds one pair per line, "
                        f"'English TAB French [TAB attribution]', like data/eng-fra.tsv; point {CORPUS_ENV} at one.")
    return lines, ended, False


def _refuse_utf16(path: Path, raw: bytes, number: int = 1) -> None:
    """UTF-16 (with a byte-order mark, or ASCII with a NUL beside every letter) is refused by name: as
    UTF-8 it decodes to letters and NULs, which would pass for sentences."""
    bom = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    text = raw.removeprefix(codecs.BOM_UTF16_LE).removeprefix(codecs.BOM_UTF16_BE)[:200]
    halves = text[0::2], text[1::2]
    if bom or (text and any(half.count(0) >= 0.9 * len(half) > 0 for half in halves)
               and not all(half.count(0) >= 0.9 * len(half) for half in halves)):
        how = "its byte-order mark says so" if bom else "a NUL byte beside every letter"
        raise CorpusError(f"{path}: line {number} is UTF-16 ({how}), not UTF-8. Convert the file, e.g. "
                          f"iconv -f utf-16 -t utf-8 {path} > fixed.tsv, and point {CORPUS_ENV} at the result.")


def _not_utf8(path: Path, number: int, raw: bytes, error: UnicodeDecodeError) -> CorpusError:
    bad = raw[error.start:error.end]
    as_cp1252 = bad.decode("cp1252", errors="replace")
    return CorpusError(
        f"{path}: line {number}, byte {error.start + 1} of the line ({bad!r}, {as_cp1252!r} in Windows-1252) is "
        "not UTF-8, so the file is in another encoding (latin-1 or Windows-1252). Convert it to UTF-8, e.g. "
        f"iconv -f cp1252 -t utf-8 {path} > fixed.tsv, and point {CORPUS_ENV} at the result.")


def _looks_cut(columns: list[str], three_columns: bool) -> bool:
    """A last line is visibly unfinished when its French stops without a sentence-final mark, or when, in
    a file of 3-column lines, it stops before its attribution."""
    return columns[1].strip()[-1] not in SENTENCE_END or (three_columns and len(columns) < 3)


class UnknownWordsError(ValueError):
    """Raised when a sentence holds words the vocabulary has never seen."""


MAX_LISTED = 10  # unknown words quoted in one message


def shorten(value, width: int = 40) -> str:
    """``repr(value)``, cut to ``width`` characters: messages quote input, and input can be huge."""
    text = repr(value)
    return text if len(text) <= width else text[:width - 4] + "...'"


class Vocabulary:
    """Token <-> id, with id 0 reserved for padding. Saved as JSON, never pickled."""

    def __init__(self, tokens: list[str], language: str):
        if not tokens or tokens[0] != PAD or len(set(tokens)) != len(tokens):
            raise ValueError("a vocabulary is a list of distinct tokens starting with the padding token " + PAD)
        self.tokens = list(tokens)
        self.language = language
        self.index = {token: i for i, token in enumerate(self.tokens)}

    @classmethod
    def build(cls, sentences: list[list[str]], language: str, specials: tuple[str, ...] = (),
              min_count: int | None = None) -> Vocabulary:
        """Every token of ``sentences``; with ``min_count``, only those seen at least that often, plus
        ``UNK``, which then stands for every other word (``encode`` maps them to it instead of refusing)."""
        counts = Counter(token for sentence in sentences for token in sentence)
        if min_count is None:
            return cls([PAD, *specials, *sorted(set(counts) - set(specials))], language)
        if min_count < 1:
            raise ValueError(f"min_count must be at least 1, not {min_count}")
        kept = {token for token, count in counts.items() if count >= min_count} - {*specials, UNK}
        return cls([PAD, *specials, UNK, *sorted(kept)], language)

    @property
    def unk(self) -> int | None:
        """The id that unknown words get, or None when the vocabulary refuses them."""
        return self.index.get(UNK)

    def __len__(self) -> int:
        return len(self.tokens)

    def __eq__(self, other) -> bool:
        return isinstance(other, Vocabulary) and (self.tokens, self.language) == (other.tokens, other.language)

    def encode(self, tokens: list[str]) -> list[int]:
        if self.unk is not None:
            return [self.index.get(t, self.unk) for t in tokens]
        unknown = sorted({t for t in tokens if t not in self.index})
        if unknown:
            # A message quotes a few words, each cut short: input can be a 100,000-character "word".
            listed = ", ".join(shorten(t) for t in unknown[:MAX_LISTED])
            if len(unknown) > MAX_LISTED:
                listed += f" and {len(unknown) - MAX_LISTED} more"
            raise UnknownWordsError(
                f"{len(unknown)} word(s) not in the {self.language} vocabulary of {len(self)} tokens: "
                f"{listed}. The model can only read words it was trained on: "
                "rephrase with known words, or add sentences with them to the corpus and retrain.")
        return [self.index[t] for t in tokens]

    def decode(self, ids) -> list[str]:
        return [self.tokens[int(i)] for i in ids]

    def save(self, path: str | os.PathLike) -> None:
        Path(path).write_text(json.dumps({"language": self.language, "tokens": self.tokens},
                                         ensure_ascii=False, indent=0), encoding="utf-8")

    @classmethod
    def load(cls, path: str | os.PathLike) -> Vocabulary:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(
                f"No vocabulary file at {path}; chapter 1 (or s2sbook.cache.load_or_train) writes it.")
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(content, dict) or set(content) != {"language", "tokens"}:
                raise ValueError('expected an object {"language": ..., "tokens": [...]}')
            tokens, language = content["tokens"], content["language"]
            if not isinstance(language, str) or not isinstance(tokens, list) or not all(
                    isinstance(t, str) for t in tokens):
                raise ValueError('"language" must be a string and "tokens" a list of strings')
            return cls(tokens, language)
        except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors too
            raise ValueError(f"{path} is not a vocabulary file: {error}. Vocabulary.save writes one; "
                             "save it again rather than editing it by hand.") from None


@dataclass
class Dataset:
    """Everything chapter 1 produces, for the chapters after it."""

    corpus: Corpus
    en_tokens: list[list[str]]
    fr_tokens: list[list[str]]
    en_vocab: Vocabulary
    fr_vocab: Vocabulary
    max_len_en: int
    max_len_fr: int
    encoder_input_data: np.ndarray
    decoder_input_data: np.ndarray
    decoder_target_data: np.ndarray
    split: dict[str, np.ndarray]
    _translations: dict | None = field(default=None, repr=False, compare=False)  # references()' index

    @property
    def max_decoder_len(self) -> int:
        """The most steps a greedy decoder takes: the longest French sentence, plus ``_END``."""
        return self.max_len_fr + 1

    def part(self, name: str):
        """``(encoder_input_data, decoder_input_data, decoder_target_data)`` of one split."""
        rows = self.split[name]
        return self.encoder_input_data[rows], self.decoder_input_data[rows], self.decoder_target_data[rows]

    def references(self, rows) -> list[list[list[str]]]:
        """For each row, every French token list the corpus gives that row's English sentence (the same
        tokens, as ``split_indices`` groups them), in corpus order, each once. A real corpus gives one
        English sentence several translations; scoring against one of them would call the others wrong."""
        if self._translations is None:
            self._translations = {}
            for en, fr in zip(self.en_tokens, self.fr_tokens, strict=True):
                found = self._translations.setdefault(tuple(en), [])
                if fr not in found:
                    found.append(fr)
        return [self._translations[tuple(self.en_tokens[int(row)])] for row in rows]


def prepare(path: str | os.PathLike | None = None, seed: int = SEED, on_error: str | None = None,
            max_pairs: int | None = None, min_count: int | None = None) -> Dataset:
    """Chapter 1 in one call: read, tokenise, split, build vocabularies, pad.

    ``on_error`` is ``read_corpus``'s (None: ``$S2S_ON_ERROR``, else ``"raise"``); lines it skips are
    printed. ``max_pairs`` keeps the file's first pairs only (the Tatoeba file is sorted by length, so the
    shortest). Without ``min_count`` the vocabularies hold every word of the corpus and refuse any other;
    with it, they are built from the training split alone, keep the words seen there at least
    ``min_count`` times, and read every other word as ``UNK`` (see ``Vocabulary.build``).
    """
    corpus = read_corpus(path, on_error=on_error)
    if corpus.malformed:
        print(f"Left out {len(corpus.malformed)} malformed line(s) (on_error='skip'):\n{corpus.report()}")
    if max_pairs is not None:
        if max_pairs < 1:
            raise ValueError(f"max_pairs must be at least 1, not {max_pairs}")
        corpus = replace(corpus, pairs=corpus.pairs[:max_pairs])
    en_tokens = [tokenize(en) for en, _ in corpus.pairs]
    fr_tokens = [tokenize(fr) for _, fr in corpus.pairs]
    split = split_indices([en for en, _ in corpus.pairs], seed)
    empty = [name for name, rows in split.items() if not len(rows)]
    if empty:
        raise CorpusError(f"{corpus.path}: {len(corpus.pairs)} pairs are too few to split into training, "
                          f"validation and test sets (the {' and '.join(empty)} set would be empty; the split "
                          "is by English sentence). Use a corpus of at least a few dozen English sentences.")
    # A cutoff counts words where the model learns them: in the training split.
    seen = range(len(corpus.pairs)) if min_count is None else split["train"]
    en_vocab = Vocabulary.build([en_tokens[i] for i in seen], "en", min_count=min_count)
    fr_vocab = Vocabulary.build([fr_tokens[i] for i in seen], "fr", specials=(START, END), min_count=min_count)
    max_len_en = max(map(len, en_tokens))
    max_len_fr = max(map(len, fr_tokens))
    arrays = make_arrays(en_tokens, fr_tokens, en_vocab, fr_vocab, max_len_en, max_len_fr)
    return Dataset(corpus, en_tokens, fr_tokens, en_vocab, fr_vocab, max_len_en, max_len_fr, *arrays, split)


def encode_source(sentence: str, en_vocab: Vocabulary, max_len_en: int) -> np.ndarray:
    """One English sentence -> a ``(1, max_len_en)`` id array, with a clear error for bad input."""
    if not isinstance(sentence, str):
        raise TypeError(f"expected an English sentence as str, got {type(sentence).__name__}")
    tokens = tokenize(sentence)
    if not tokens:
        raise ValueError("the sentence is empty: give at least one English word")
    if not any(WORD.search(t) for t in tokens):
        # The vocabulary knows "?" and ".", so without this check "?!" would be translated into a sentence.
        symbols = list(dict.fromkeys(t for t in tokens if not unicodedata.category(t[0]).startswith("P")))
        if symbols:  # an emoji is a symbol, not punctuation: say so
            listed = ", ".join(shorten(t) for t in symbols[:MAX_LISTED])
            raise ValueError(f"the sentence {shorten(sentence)} has no word: {listed} "
                             f"{'is a symbol' if len(symbols) == 1 else 'are symbols'} (emoji are symbols), not "
                             "English words: give at least one English word")
        raise ValueError(f"the sentence {shorten(sentence)} is only punctuation: give at least one English word")
    if len(tokens) > max_len_en:
        raise ValueError(f"the sentence has {len(tokens)} tokens; the model was trained on at most "
                         f"{max_len_en}. Split it into shorter sentences.")
    if en_vocab.unk is None:
        # Refused words are quoted as the reader typed them ("Ｚｏｒｂｌａｘ", not "zorblax"): encode raises.
        typed = typed_forms(sentence)
        en_vocab.encode([t if t in en_vocab.index else typed.get(t, t) for t in tokens])
    return pad([en_vocab.encode(tokens)], max_len_en)
