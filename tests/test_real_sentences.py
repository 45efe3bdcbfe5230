"""tools/real_sentences.py: the summary over seeds (mean ± standard deviation, range). Training itself is
chapter 9's code, which the chapter's own run covers."""

import pytest
from book import load_script


@pytest.fixture
def real_sentences():
    return load_script("tools/real_sentences.py")


def test_the_summary_gives_mean_spread_and_range_over_the_seeds(real_sentences):
    results = [{"train_s": t, "wall_s": t + 10, "peak_mb": 900, "epochs": 12, "val_accuracy": a, "bleu": b,
                "exact_match": e} for t, a, b, e in ((100, 0.60, 10.0, 0.10), (120, 0.62, 12.0, 0.12),
                                                     (110, 0.64, 14.0, 0.14))]
    lines = real_sentences.summary(results)
    assert "      train_s: 110 ± 10 (range 100 to 120, 3 seeds)" in lines
    assert " val_accuracy: 0.6200 ± 0.0200 (range 0.6000 to 0.6400, 3 seeds)" in lines
    assert "         bleu: 12.00 ± 2.00 (range 10.00 to 14.00, 3 seeds)" in lines
    one = real_sentences.summary(results[:1])
    assert "  exact_match: 0.1000 ± 0.0000 (range 0.1000 to 0.1000, 1 seed)" in one
