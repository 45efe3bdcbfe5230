"""s2sbook.data: parsing fra.txt in all its shapes, normalisation, vocabularies, arrays, split."""

import numpy as np
import pytest

from s2sbook import data
from s2sbook.text import detokenize, normalize


def write(tmp_path, text: str, name="fra.txt"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_reads_three_and_two_column_lines_bom_crlf_and_blank_lines(tmp_path):
    path = write(tmp_path, "\ufeffGo.\tVa !\tCC-BY 2.0 (France)\r\n\r\nHi.\tSalut.\r\n\nRun!\tCours\u202f!\tCC-BY\n")
    corpus = data.read_corpus(path)
    assert corpus.pairs == [("Go.", "Va !"), ("Hi.", "Salut."), ("Run!", "Cours\u202f!")]
    assert (corpus.lines, corpus.blank, corpus.malformed) == (5, 2, [])


def test_malformed_lines_raise_with_line_numbers(tmp_path):
    path = write(tmp_path, "Go.\tVa !\nno tab here\nA\tB\tC\tD\n\tempty English\n")
    with pytest.raises(data.CorpusError) as error:
        data.read_corpus(path)
    message = str(error.value)
    assert "3 malformed" in message and "line 2" in message and "line 3" in message and "line 4" in message
    assert "on_error='skip'" in message


def test_malformed_lines_are_counted_when_skipped(tmp_path):
    path = write(tmp_path, "Go.\tVa !\nno tab here\nHi.\tSalut.\n")
    corpus = data.read_corpus(path, on_error="skip")
    assert corpus.pairs == [("Go.", "Va !"), ("Hi.", "Salut.")]
    assert [(n, line) for n, _, line in corpus.malformed] == [(2, "no tab here")]
    assert "1 malformed" in corpus.report() and "line 2" in corpus.report()


def test_unicode_line_separators_inside_a_sentence_do_not_split_lines(tmp_path):
    path = write(tmp_path, "Go.\u2028\tVa\u0085 !\n")
    assert len(data.read_corpus(path).pairs) == 1


def test_missing_corpus_names_the_setting(tmp_path):
    with pytest.raises(FileNotFoundError, match=data.CORPUS_ENV):
        data.read_corpus(tmp_path / "nope.txt")


def test_corpus_setting_points_the_book_elsewhere(tmp_path, monkeypatch):
    path = write(tmp_path, "Go.\tVa !\n")
    monkeypatch.setenv(data.CORPUS_ENV, str(path))
    assert data.corpus_path() == path
    monkeypatch.delenv(data.CORPUS_ENV)
    assert data.corpus_path() == data.SHIPPED_CORPUS


@pytest.mark.parametrize("space", ["\u202f", "\u00a0", "\u2009", " ", ""])
@pytest.mark.parametrize("apostrophe", ["'", "\u2019"])
def test_special_spaces_and_apostrophes_give_the_same_tokens(space, apostrophe):
    text = f"Est-ce qu{apostrophe}il a bu l{apostrophe}eau{space}?"
    assert data.tokenize(text) == ["est", "-", "ce", "qu'", "il", "a", "bu", "l'", "eau", "?"]


def test_english_contractions_stay_whole():
    assert data.tokenize("He doesn't eat. I'll see!") == ["he", "doesn't", "eat", ".", "i'll", "see", "!"]


def test_normalize_is_idempotent_and_tokens_survive_a_round_trip():
    for text in ["  L\u2019HOMME\u00a0?  ", "J'ai  vu\tl'eau\u2009!", "aujourd'hui", "Qu\u2019est-ce que c'est ?"]:
        once = normalize(text)
        assert normalize(once) == once
        tokens = data.tokenize(text)
        assert data.tokenize(" ".join(tokens)) == tokens


def test_vocabulary_json_round_trip(tmp_path):
    vocab = data.Vocabulary.build([["le", "chat"], ["l'", "eau", "."]], "fr", specials=(data.START, data.END))
    assert vocab.tokens[:3] == [data.PAD, data.START, data.END]
    vocab.save(tmp_path / "v.json")
    assert data.Vocabulary.load(tmp_path / "v.json") == vocab
    assert "l'" in (tmp_path / "v.json").read_text(encoding="utf-8")


def test_unknown_words_are_listed():
    vocab = data.Vocabulary.build([["the", "cat"]], "en")
    with pytest.raises(data.UnknownWordsError, match="'dog', 'zebra'"):
        vocab.encode(["the", "zebra", "dog"])


def test_missing_vocabulary_file_says_where_it_comes_from(tmp_path):
    with pytest.raises(FileNotFoundError, match="chapter 1"):
        data.Vocabulary.load(tmp_path / "en_vocab.json")


@pytest.fixture
def ds(shipped):
    return shipped


def test_array_shapes_follow_the_longest_sentences(ds):
    n = len(ds.corpus.pairs)
    assert ds.encoder_input_data.shape == (n, ds.max_len_en)
    assert ds.decoder_input_data.shape == ds.decoder_target_data.shape == (n, ds.max_decoder_len)
    assert ds.encoder_input_data.dtype == np.int32


def test_target_is_decoder_input_shifted_by_one(ds):
    start, end = ds.fr_vocab.index[data.START], ds.fr_vocab.index[data.END]
    assert (ds.decoder_input_data[:, 0] == start).all()
    for i in range(0, len(ds.fr_tokens), 97):
        n = len(ds.fr_tokens[i])
        assert ds.fr_vocab.decode(ds.decoder_input_data[i, 1:n + 1]) == ds.fr_tokens[i]
        assert ds.fr_vocab.decode(ds.decoder_target_data[i, :n]) == ds.fr_tokens[i]
        assert ds.decoder_target_data[i, n] == end
        assert not ds.decoder_target_data[i, n + 1:].any()


def test_split_is_seeded_disjoint_and_complete(ds):
    english = [en for en, _ in ds.corpus.pairs]
    again = data.split_indices(english)
    parts = [ds.split[k] for k in ("train", "val", "test")]
    assert all((a == b).all() for a, b in zip(parts, (again[k] for k in ("train", "val", "test")), strict=True))
    assert sorted(np.concatenate(parts)) == list(range(len(ds.corpus.pairs)))
    assert not (data.split_indices(english, seed=1)["test"] == ds.split["test"]).all()


def test_split_keeps_every_translation_of_one_english_sentence_together(tmp_path):
    # Like Tatoeba: several French sentences for one English one, written in more than one way.
    lines = [f"Sentence {i}.\tPhrase {i}.\n" for i in range(60)]
    lines += [f"sentence  {i}.\tAutre phrase {i}.\n" for i in range(0, 60, 3)]  # same tokens as "Sentence i."
    ds = data.prepare(write(tmp_path, "".join(lines)))
    where = {}
    for name, rows in ds.split.items():
        for row in rows:
            where.setdefault(tuple(ds.en_tokens[row]), set()).add(name)
    assert len(where) == 60 and all(len(names) == 1 for names in where.values())
    assert sorted(np.concatenate(list(ds.split.values()))) == list(range(len(lines)))
    # 80/10/10 of the 60 English sentences, not of the 80 pairs.
    assert [len({tuple(ds.en_tokens[r]) for r in ds.split[k]}) for k in ("train", "val", "test")] == [48, 6, 6]
    # Every row's references: all translations of its English sentence, in corpus order, each once.
    row = 60  # "sentence  0." / "Autre phrase 0."
    assert ds.references([0, row]) == [[["phrase", "0", "."], ["autre", "phrase", "0", "."]]] * 2
    assert ds.references([1]) == [[["phrase", "1", "."]]]


def test_encode_source_rejects_bad_input_clearly(ds):
    with pytest.raises(TypeError, match="str"):
        data.encode_source(42, ds.en_vocab, ds.max_len_en)
    with pytest.raises(ValueError, match="empty"):
        data.encode_source("   ", ds.en_vocab, ds.max_len_en)
    with pytest.raises(ValueError, match=f"at most {ds.max_len_en}"):
        data.encode_source("he eats " * 10, ds.en_vocab, ds.max_len_en)
    with pytest.raises(data.UnknownWordsError, match="dragon"):
        data.encode_source("The dragon eats the apple.", ds.en_vocab, ds.max_len_en)
    assert data.encode_source("He eats the apple.", ds.en_vocab, ds.max_len_en).shape == (1, ds.max_len_en)


def test_detokenize_undoes_the_spaces_of_tokenize():
    tokens = ["est", "-", "ce", "qu'", "il", "a", "bu", "l'", "eau", "?"]
    assert detokenize(tokens) == "est-ce qu'il a bu l'eau ?"
    assert detokenize(data.tokenize("Il mange la pomme.")) == "il mange la pomme."


# Corpus faults: each message names the file, the line (when there is one) and the fix.
def test_an_empty_or_blank_only_corpus_is_named_not_a_max_of_nothing(tmp_path):
    for text in ("", "\n  \n\t\n"):
        path = write(tmp_path, text)
        with pytest.raises(data.CorpusError) as error:
            data.prepare(path)
        message = str(error.value)
        assert str(path) in message and "no sentence pairs" in message and "English TAB French" in message


def test_a_corpus_too_small_to_split_is_refused(tmp_path):
    path = write(tmp_path, "Go.\tVa !\nHi.\tSalut.\nRun!\tCours !\n")
    with pytest.raises(data.CorpusError) as error:
        data.prepare(path)
    message = str(error.value)
    assert str(path) in message and "3 pairs are too few" in message and "by English sentence" in message


def test_a_corpus_that_is_not_utf8_names_the_line_and_how_to_convert(tmp_path):
    path = tmp_path / "fra.txt"
    path.write_bytes("Go.\tVa !\nHi.\tSalut.\nHe ate.\tIl a mangé.\n".encode("latin-1"))
    with pytest.raises(data.CorpusError) as error:
        data.read_corpus(path)
    message = str(error.value)
    assert str(path) in message and "line 3" in message and "b'\\xe9'" in message and "iconv" in message
    assert error.value.__cause__ is None and error.value.__suppress_context__


def test_a_file_cut_inside_a_utf8_character_names_the_line_not_the_encoding(tmp_path):
    path = tmp_path / "fra.txt"
    path.write_bytes("Go.\tVa !\nHi.\tSalut.\nHe ate.\tIl a mang\u00e9.\n".encode()[:-4])  # cut inside é
    with pytest.raises(data.CorpusError) as error:
        data.read_corpus(path)
    message = str(error.value)
    assert str(path) in message and "line 3" in message and "cut off" in message and "iconv" not in message
    assert "on_error='skip'" in message and data.ON_ERROR_ENV in message
    corpus = data.read_corpus(path, on_error="skip")
    assert corpus.pairs == [("Go.", "Va !"), ("Hi.", "Salut.")]
    assert [(n, line) for n, _, line in corpus.malformed] == [(3, "He ate.\tIl a mang")]
    assert "cut off" in corpus.report()


def test_a_cut_at_the_start_of_a_line_still_reports_that_line(tmp_path):
    path = tmp_path / "fra.txt"
    path.write_bytes(b"Go.\tVa !\n" + "\u00c9t\u00e9.\tSummer.\n".encode()[:1])
    corpus = data.read_corpus(path, on_error="skip")
    assert corpus.pairs == [("Go.", "Va !")] and [n for n, _, _ in corpus.malformed] == [2]


@pytest.mark.parametrize("last, cut", [
    ("They did it again.\tIls l'ont", True),  # the example: French stops mid-sentence
    ("They did it again.\tIls l'ont refait.", False),
    ("Who?\tQui\u202f?", False),
    ("Come!\tViens\u00a0!", False),
    ("He said \"no\".\t\u00abNon\u00bb, dit-il\u00a0\u00bb", False),
])
def test_a_last_line_without_newline_is_cut_off_when_its_french_is_unfinished(tmp_path, last, cut):
    path = write(tmp_path, "Go.\tVa !\nHi.\tSalut.\n" + last)
    if cut:
        with pytest.raises(data.CorpusError, match="line 3: .*no final newline"):
            data.read_corpus(path)
        corpus = data.read_corpus(path, on_error="skip")
        assert len(corpus.pairs) == 2 and [n for n, _, _ in corpus.malformed] == [3]
    else:
        assert len(data.read_corpus(path).pairs) == 3
    # With a final newline the line is whole, whatever its French: the file was written to its end.
    assert len(data.read_corpus(write(tmp_path, "Go.\tVa !\nHi.\tSalut.\n" + last + "\n")).pairs) == 3


def test_a_last_line_without_newline_or_attribution_in_a_three_column_file_is_cut_off(tmp_path):
    path = write(tmp_path, "Go.\tVa !\tCC-BY\nHi.\tSalut.\tCC-BY\nRun!\tCours !")
    with pytest.raises(data.CorpusError, match="line 3: the last line"):
        data.read_corpus(path)
    assert len(data.read_corpus(write(tmp_path, "Go.\tVa !\tCC-BY\nRun!\tCours !\tCC")).pairs) == 2


def test_skip_reaches_prepare_through_the_argument_and_the_setting_and_is_reported(tmp_path, monkeypatch, capsys):
    lines = "".join(f"Sentence {i}.\tPhrase {i}.\n" for i in range(40)) + "no tab here\nCut.\tCoup"
    path = write(tmp_path, lines)
    monkeypatch.delenv(data.ON_ERROR_ENV, raising=False)
    with pytest.raises(data.CorpusError, match=data.ON_ERROR_ENV):
        data.prepare(path)
    ds = data.prepare(path, on_error="skip")
    printed = capsys.readouterr().out
    assert len(ds.corpus.pairs) == 40 and [n for n, _, _ in ds.corpus.malformed] == [41, 42]
    assert "Left out 2 malformed" in printed and "line 41" in printed and "line 42" in printed
    monkeypatch.setenv(data.ON_ERROR_ENV, "skip")
    assert len(data.prepare(path).corpus.pairs) == 40 and "line 42" in capsys.readouterr().out
    with pytest.raises(data.CorpusError):
        data.prepare(path, on_error="raise")  # the argument wins over the setting
    monkeypatch.setenv(data.ON_ERROR_ENV, "ignore")
    with pytest.raises(ValueError, match=f"not 'ignore'.*{data.ON_ERROR_ENV}"):
        data.prepare(path)


def test_a_stray_tab_in_a_two_column_file_is_malformed_not_an_attribution(tmp_path):
    path = write(tmp_path, "Go.\tVa !\nHi.\tSalut.\nHe\teats.\tIl mange.\nRun!\tCours !\n")
    with pytest.raises(data.CorpusError) as error:
        data.read_corpus(path)
    message = str(error.value)
    assert str(path) in message and "line 3: " in message and "3 columns" in message and "2-column" in message
    assert "on_error='skip'" in message
    # In a 3-column file a third column is the attribution, and a line without one loses nothing.
    assert data.read_corpus(write(tmp_path, "Go.\tVa !\tCC-BY\nHi.\tSalut.\nRun!\tCours !\tCC\n")).pairs == [
        ("Go.", "Va !"), ("Hi.", "Salut."), ("Run!", "Cours !")]


def test_more_than_ten_malformed_lines_are_all_counted(tmp_path):
    path = write(tmp_path, "Go.\tVa !\n" + "no tab\n" * 15)
    with pytest.raises(data.CorpusError) as error:
        data.read_corpus(path)
    message = str(error.value)
    assert "15 malformed" in message and "line 11:" in message and "line 12:" not in message
    assert "5 more" in message and "lines 12 to 16" in message


def test_a_huge_unknown_word_is_shortened_in_the_message():
    vocab = data.Vocabulary.build([["the", "cat"]], "en")
    words = ["a" * 100_000] + [f"w{i}" for i in range(20)]
    with pytest.raises(data.UnknownWordsError) as error:
        vocab.encode(["the", *words])
    message = str(error.value)
    assert len(message) < 800 and "21 word(s)" in message and "aaaa...'" in message and "and 11 more" in message


@pytest.mark.parametrize("content, problem", [
    ("{not json", "Expecting property name"),
    ('["<pad>", "a"]', "expected an object"),
    ('{"tokens": ["<pad>"]}', "expected an object"),
    ('{"language": "en", "tokens": "<pad> a"}', "list of strings"),
    ('{"language": "en", "tokens": ["<pad>", 3]}', "list of strings"),
    ('{"language": "en", "tokens": ["a", "<pad>"]}', "starting with the padding token"),
])
def test_a_malformed_vocabulary_file_is_named(tmp_path, content, problem):
    path = tmp_path / "en_vocab.json"
    path.write_text(content)
    with pytest.raises(ValueError) as error:
        data.Vocabulary.load(path)
    message = str(error.value)
    assert str(path) in message and problem in message and "save it again" in message


def test_exactly_ten_malformed_lines_are_all_listed_and_nothing_said_of_more(tmp_path):
    path = write(tmp_path, "Go.\tVa !\n" + "no tab\n" * data.Corpus.report.__defaults__[0])
    with pytest.raises(data.CorpusError) as error:
        data.read_corpus(path)
    message = str(error.value)
    assert "10 malformed" in message and "line 11:" in message and "more malformed" not in message


# Lines that are not what they seem: each is named, none becomes a sentence.
def test_a_nul_byte_in_a_sentence_is_malformed_not_a_token(tmp_path):
    path = write(tmp_path, "Go.\tVa !\nHe\x00 eats.\tIl mange.\nHi.\tSalut.\n")
    with pytest.raises(data.CorpusError) as error:
        data.read_corpus(path)
    assert str(path) in str(error.value) and "line 2: it holds a NUL byte" in str(error.value)
    assert data.read_corpus(path, on_error="skip").pairs == [("Go.", "Va !"), ("Hi.", "Salut.")]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16"])
@pytest.mark.parametrize("on_error", ["raise", "skip"])
def test_a_utf16_file_is_named_utf16_even_when_skipping(tmp_path, encoding, on_error):
    path = tmp_path / "fra.txt"
    path.write_bytes("Go.\tVa !\nHe eats.\tIl mange.\n".encode(encoding))  # "utf-16" writes a byte-order mark
    with pytest.raises(data.CorpusError) as error:
        data.read_corpus(path, on_error=on_error)
    message = str(error.value)
    assert str(path) in message and "line 1 is UTF-16" in message and "iconv -f utf-16" in message


def test_a_third_column_that_is_not_an_attribution_is_malformed(tmp_path):
    attribution = "CC-BY 2.0 (France) Attribution: tatoeba.org #1 (CK) & #2 (sacredceltic)"
    lines = [f"Go.\tVa !\t{attribution}", f"Hi.\tSalut.\t{attribution}",
             "He eats\tthe apple.\tIl mange la pomme.", f"Run!\tCours !\t{attribution}"]
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(data.CorpusError) as error:
        data.read_corpus(path)
    message = str(error.value)
    assert str(path) in message and "line 3: its third column" in message and "does not look like an attribution" in (
        message)
    assert ("He eats", "the apple.") not in data.read_corpus(path, on_error="skip").pairs
    # The shipped corpus's own attribution, and short ones, are attributions.
    for third in ("Generated by data/make_corpus.py with pyrealb (synthetic; not from Tatoeba)", "CC-BY", "CC"):
        assert len(data.read_corpus(write(tmp_path, f"Go.\tVa !\t{third}\nHi.\tSalut.\t{third}\n")).pairs) == 2


def test_a_huge_file_without_line_breaks_is_refused_at_line_1_without_being_read_whole(tmp_path):
    import tracemalloc

    path = tmp_path / "fra.txt"
    with open(path, "wb") as file:
        file.truncate(2 * 1024**3)  # 2 GB of NUL bytes, sparse: no disk space used
    tracemalloc.start()
    try:
        with pytest.raises(data.CorpusError) as error:
            data.read_corpus(path, on_error="skip")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(error.value)
    assert str(path) in message and "line 1 is longer than" in message and data.CORPUS_ENV in message
    assert peak < 10 * data.MAX_LINE_BYTES  # a few copies of one line, never the file


def test_a_file_whose_first_lines_hold_no_pair_is_not_read_to_its_end(tmp_path):
    path = write(tmp_path, "Just prose, no tabs.\n" * (data.FIRST_LINES + 5) + "Go.\tVa !\n")
    with pytest.raises(data.CorpusError) as error:
        data.read_corpus(path, on_error="skip")
    assert str(path) in str(error.value) and f"none of its first {data.FIRST_LINES} lines" in str(error.value)


@pytest.mark.parametrize("copies", [2, 4000])  # one short line, and one longer than MAX_LINE_BYTES
def test_cr_only_line_endings_are_named_not_read_as_one_line(tmp_path, copies):
    path = write(tmp_path, "Go.\tVa !\rHi.\tSalut.\r" * copies)
    for on_error in ("raise", "skip"):
        with pytest.raises(data.CorpusError) as error:
            data.read_corpus(path, on_error=on_error)
        message = str(error.value)
        assert str(path) in message and "line 1" in message and "(CR only)" in message and "tr '\\r' '\\n'" in message


@pytest.mark.parametrize("on_error", ["raise", "skip"])
def test_a_cp1252_file_whose_only_bad_byte_is_the_last_is_named_for_its_encoding_not_cut_off(tmp_path, on_error):
    path = tmp_path / "fra.txt"
    path.write_bytes("Go.\tVa !\nHi.\tSalut.\nHe ate.\tIl a mangé".encode("cp1252"))
    with pytest.raises(data.CorpusError) as error:
        data.read_corpus(path, on_error=on_error)
    message = str(error.value)
    assert str(path) in message and "line 3" in message and "Windows-1252" in message and "iconv" in message
    assert "cut off" not in message
