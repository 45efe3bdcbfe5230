"""What training the book's model on a corpus will cost, estimated before it starts.

A reader may point ``S2S_CORPUS`` at any corpus. The book's recipe was sized for the shipped one (12,000
short pairs, a few hundred words); a corpus of long sentences and a large vocabulary needs far more memory
per batch, and a large one far more time. ``load_or_train`` asks ``check`` before training on a reader's
corpus: over the time budget, the corpus is cut to the pairs that fit (``max_pairs``), with a message
saying so; over the memory budget, which fewer pairs cannot fix (a batch costs the same), training is
refused, with the estimate and the settings that shrink a batch. Never a run that will be killed.

The model of the cost, calibrated on the shipped corpus (its 20 epochs trained in about 50 s on two
shared cores), is rough (within a factor of about two), which is all a refusal needs:

- memory: the kernel with TensorFlow loaded, plus the arrays of the corpus, plus the weights with their
  gradients and Adam's two moments, plus the decoder's per-batch tensors over the French vocabulary
  (logits, probabilities and their gradients: about ``ACTIVATION_COPIES`` of batch x French length x
  vocabulary floats), which is what grows with long sentences and large vocabularies;
- time: the multiply-adds per target position (the two LSTMs and the output layer), forward and backward,
  over every padded target position of every epoch, at the throughput measured on the shipped corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

from .budgets import MEMORY_BUDGET_MB

BASE_MB = 700  # a kernel that has imported TensorFlow and Keras and built a small model
ACTIVATION_COPIES = 12  # per-batch tensors of batch x French length x vocabulary floats, forward and backward
FLOPS_PER_SECOND = 12e9  # the shipped corpus's 20 epochs: 9,600 pairs x 13 positions each, in about 50 s
TRAINING_BUDGET_S = 180  # a chapter with training stays within about 5 minutes


@dataclass
class Estimate:
    pairs: int
    peak_mb: float
    train_seconds: float

    def __str__(self) -> str:
        return (f"{self.pairs:,} pairs: about {self.peak_mb:,.0f} MB at its peak and {self.train_seconds:,.0f} s "
                "of training on two CPU cores")


def estimate(pairs: int, en_len: int, fr_len: int, en_vocab: int, fr_vocab: int, recipe: dict,
             train_share: float = 0.8) -> Estimate:
    """Peak memory and training time of ``recipe`` on ``pairs`` pairs padded to ``en_len`` English and
    ``fr_len`` French positions, with vocabularies of ``en_vocab`` and ``fr_vocab`` words."""
    latent, embedding, batch = recipe["latent_dim"], recipe["embedding_dim"], recipe["batch_size"]
    lstm = 4 * latent * (embedding + latent + 1)
    weights = en_vocab * embedding + fr_vocab * embedding + 2 * lstm + fr_vocab * (latent + 1)
    arrays_mb = pairs * (en_len + 2 * fr_len) * 4 * 3 / 2**20  # int32 arrays, a copy or two on their way in
    batch_mb = ACTIVATION_COPIES * batch * fr_len * fr_vocab * 4 / 2**20
    peak_mb = BASE_MB + arrays_mb + 4 * weights * 4 / 2**20 + batch_mb
    # Multiply-adds per target position: the encoder's share (its positions per French one), the decoder's
    # LSTM and the output layer; x 2 flops, x 3 for forward and backward.
    macs = lstm * en_len / fr_len + lstm + latent * fr_vocab
    flops = 6 * macs * fr_len * pairs * train_share * recipe["epochs"]
    return Estimate(pairs, peak_mb, flops / FLOPS_PER_SECOND)


class TooLargeError(ValueError):
    """Training on this corpus with this recipe would not fit the memory budget."""


def check(data, recipe: dict, corpus_name: str) -> int | None:
    """``None`` if ``recipe`` on ``data`` (a prepared ``Dataset``) fits both budgets; else the ``max_pairs``
    that fits the time budget, after printing why. Raises ``TooLargeError`` if no number of pairs fits the
    memory budget."""
    sizes = dict(en_len=data.max_len_en, fr_len=data.max_decoder_len, en_vocab=len(data.en_vocab),
                 fr_vocab=len(data.fr_vocab), recipe=recipe)
    whole = estimate(len(data.corpus.pairs), **sizes)
    if whole.peak_mb > MEMORY_BUDGET_MB:
        raise TooLargeError(
            f"{corpus_name}: training the book's model on it would take {whole}, over the kernel's budget of "
            f"{MEMORY_BUDGET_MB:,} MB (a notebook in Binder gets 2 GB). Each batch holds "
            f"{recipe['batch_size']} sentences x {data.max_decoder_len} French positions x {len(data.fr_vocab):,} "
            "words, which fewer pairs do not shrink. Shorten the sentences (keep the corpus's shorter pairs: "
            "max_pairs on a file sorted by length, as chapter 9 does), shrink the vocabulary (min_count=2), "
            "use a smaller batch_size, or batch by length as chapter 9's bucketed batches do; or run it outside "
            "the notebook, with the recipe passed to load_or_train.")
    if whole.train_seconds <= TRAINING_BUDGET_S:
        return None
    cap = max(1, int(len(data.corpus.pairs) * TRAINING_BUDGET_S / whole.train_seconds))
    print(f"{corpus_name}: training on all of it would take {whole}; this run trains on its first {cap:,} "
          f"pairs (max_pairs={cap}), about {TRAINING_BUDGET_S} s. Pass a recipe with another max_pairs to "
          "load_or_train to choose.")
    return cap
