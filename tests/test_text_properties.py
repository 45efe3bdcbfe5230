"""Property-based tests of the normaliser and tokeniser: any Unicode string, never a crash."""

from hypothesis import given, settings
from hypothesis import strategies as st

from s2sbook.text import ELIDED, normalize, tokenize

# Plain text plus the characters the corpus handles specially: elided words, apostrophes, special spaces.
SPECIAL = st.sampled_from(["\u202f", "\u00a0", "\u2009", "\u2019", "'", "?", "!", ".", "-", " ",
                           *(word + "'" for word in ELIDED)])
TEXT = st.one_of(st.text(), st.lists(st.one_of(SPECIAL, st.text(max_size=3))).map("".join))


@settings(max_examples=500, deadline=None)
@given(TEXT)
def test_normalize_never_crashes_and_is_idempotent(text):
    once = normalize(text)
    assert isinstance(once, str)
    assert normalize(once) == once


@settings(max_examples=500, deadline=None)
@given(TEXT)
def test_tokens_joined_and_tokenized_again_are_the_same(text):
    tokens = tokenize(text)
    assert all(token and not token.isspace() for token in tokens)
    assert tokenize(" ".join(tokens)) == tokens
