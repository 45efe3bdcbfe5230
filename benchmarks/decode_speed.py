#!/usr/bin/env python
"""Time each decoding method of chapters 6 and 8 on the same test sentences, in one run.

Method. The book's model is loaded (or trained once and cached) with ``cache.load_or_train()``.
The three one-sentence-at-a-time loops (classic ``predict`` per token, direct model calls, compiled
step) are slow, so they decode the first ``--sample`` sentences of the split; their time per
sentence is that sample's time divided by its size, which is extrapolated to the split. The two
batched methods (greedy, beam search) and chapter 8's numpy translator (one sentence at a time, from
nothing but the weights) decode the whole split; their time is the median of ``--repeats`` runs divided
by the number of sentences. Every method first decodes once untimed, so
one-time costs (Keras building its predict function, ``tf.function`` tracing) are left out; the
tracing time is printed on its own. Outputs are checked: every greedy method must give the classic
loop's translations on the sample, or the script fails.

Chapter 14's table follows (unless ``--no-shipping``): the same model exported to a SavedModel and to ONNX
(in a temporary folder), each served in a process of its own without Keras, beside Keras and the numpy
translator: the files' sizes, one-sentence latency on the first ``--sample`` sentences (the same greedy
loop for all four, one sentence at a time, median of 3 runs), and whether each translates the split as
Keras does, with the largest difference of its next-token probabilities (``shipping.side_by_side``).

The line before last is the numpy translator's time per sentence against its budget (at most 1 ms, at
batch 1), printed, not enforced. The last line is the speed-up of batched greedy decoding over the classic
loop, per sentence. The script exits with status 1 when that speed-up (as printed, rounded) is under
``--goal``: the book's budget of 1,000x by default. The table and the last line are printed either way.

    python benchmarks/decode_speed.py [--sample 20] [--repeats 5] [--beam-width 3] [--goal 1000] [--no-shipping]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

import tensorflow as tf

from s2sbook import cache, decoding, models, numpy_translator, shipping
from s2sbook.data import END, START
from s2sbook.speed import time_per_sentence
from s2sbook.timing import timed

# Chapter 6's promise: batched greedy decoding is at least this many times faster per sentence than the
# classic predict-per-token loop.
SPEED_UP_GOAL = 1000
# Chapter 8's budget: the numpy translator decodes one sentence (batch 1) in at most this many milliseconds.
NUMPY_BUDGET_MS = 1.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("train", "val", "test"), default="test",
                        help="which split to decode (default: test)")
    parser.add_argument("--sample", type=int, default=20,
                        help="sentences decoded by the one-at-a-time loops (default: 20)")
    parser.add_argument("--repeats", type=int, default=5,
                        help="timed runs of each batched method; the median is kept (default: 5)")
    parser.add_argument("--beam-width", type=int, default=3, help="beam search width k (default: 3)")
    parser.add_argument("--alpha", type=float, default=0.6,
                        help="length normalisation exponent of beam search (default: 0.6)")
    parser.add_argument("--goal", type=int, default=SPEED_UP_GOAL,
                        help="exit with status 1 when batched greedy is less than this many times faster "
                             f"per sentence than the classic loop (default: {SPEED_UP_GOAL:,})")
    parser.add_argument("--no-shipping", dest="shipping", action="store_false",
                        help="leave out chapter 14's exported models (SavedModel, ONNX Runtime) and their table")
    args = parser.parse_args(argv)
    if args.sample < 1 or args.repeats < 1 or args.beam_width < 1 or args.goal < 1:
        parser.error("--sample, --repeats, --beam-width and --goal must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    trained = cache.load_or_train()
    ds = trained.data
    encoder_model, decoder_model = models.inference_models(trained.fullmodel)
    fr_vocab, max_decoder_len = ds.fr_vocab, ds.max_decoder_len
    rows = ds.encoder_input_data[ds.split[args.split]]
    if args.sample > len(rows):
        sys.exit(f"--sample {args.sample} is larger than the {args.split} split ({len(rows)} sentences)")
    sample = rows[:args.sample]
    # The compiled pair as chapter 6 builds it (its compiled one-sentence loop calls the encoder per sentence).
    encode, decoder_step = decoding.compiled_encoder(encoder_model), decoding.compiled_decoder_step(decoder_model)
    weights = numpy_translator.read_weights(trained.fullmodel)  # what chapter 8 exports, read in memory
    start, end = fr_vocab.index[START], fr_vocab.index[END]
    print(f"model {trained.directory.name}; {args.split} split: {len(rows)} sentences; "
          f"{os.cpu_count()} CPUs; TensorFlow {tf.__version__}")

    def one_at_a_time(decode_one):
        return lambda batch: [decode_one(batch[i:i + 1]) for i in range(len(batch))]

    def batched(batch):
        return decoding.ids_to_tokens(
            decoding.greedy_ids(batch, encode, decoder_step, start, end, max_decoder_len), fr_vocab)

    def beam(batch):
        ids, _ = decoding.beam_search(batch, encode, decoder_step, start, end, max_decoder_len,
                                      args.beam_width, args.alpha)
        return decoding.ids_to_tokens(ids, fr_vocab)

    # (name, decoder of a batch of rows, rows it is timed on, timed runs)
    methods = [
        ("classic loop (predict per token)", one_at_a_time(lambda x: decoding.decode_sequence(
            x, encoder_model, decoder_model, fr_vocab, max_decoder_len)), sample, 1),
        ("direct model calls", one_at_a_time(lambda x: decoding.decode_sequence_direct(
            x, encoder_model, decoder_model, fr_vocab, max_decoder_len)), sample, 1),
        ("compiled step (tf.function)", one_at_a_time(lambda x: decoding.decode_sequence_compiled(
            x, encode, decoder_step, fr_vocab, max_decoder_len)), sample, 1),
        ("batched greedy", batched, rows, args.repeats),
        (f"beam search, k={args.beam_width}", beam, rows, args.repeats),
        ("numpy, weights only (batch 1)", one_at_a_time(lambda x: numpy_translator.numpy_decode_sequence(
            x, weights, fr_vocab, max_decoder_len)), rows, args.repeats),
    ]
    # Trace the compiled encoder and decoder step now, to report that one-time cost on its own.
    _, tracing = timed(lambda: batched(rows[:1]))
    print(f"tracing the compiled encoder and decoder step (once per model; not in the timings): {tracing:.2f} s")
    results = {}
    for name, decode, timed_rows, repeats in methods:
        # Untimed first run: one sentence for the loops, the whole split for the batched methods.
        decode(rows if timed_rows is rows else rows[-1:])
        outputs, per_sentence = time_per_sentence(decode, timed_rows, repeats)  # chapter 6's timing
        results[name] = (outputs, per_sentence, len(timed_rows))

    classic_outputs, classic_time, _ = results["classic loop (predict per token)"]
    greedy_methods = ("direct model calls", "compiled step (tf.function)", "batched greedy",
                      "numpy, weights only (batch 1)")
    for name in greedy_methods:
        if results[name][0][:args.sample] != classic_outputs:
            sys.exit(f"FAILED: {name} does not give the classic loop's translations on the sample")
    differ = sum(b != g for b, g in zip(results[f"beam search, k={args.beam_width}"][0], results["batched greedy"][0]))
    print(f"greedy methods: identical translations on the {args.sample}-sentence sample; "
          f"beam search differs from greedy on {differ} of {len(rows)} sentences")

    print(f"\n{'method':34} {'sentences':>9} {'ms/sentence':>12} {'vs classic':>11}")
    for name, (_, per_sentence, n) in results.items():
        print(f"{name:34} {n:9d} {1000 * per_sentence:12.4g} {classic_time / per_sentence:10,.0f}x")
    print(f"\nclassic loop extrapolated to the {len(rows)}-sentence split: {classic_time * len(rows) / 60:.1f} min; "
          f"batched greedy: {results['batched greedy'][1] * len(rows):.2f} s")
    if args.shipping:
        with tempfile.TemporaryDirectory() as folder:
            runs, files = shipping.ship_and_compare(trained.fullmodel, ds, folder, args.split, args.sample)
            table = shipping.side_by_side(runs, files, ds, args.split)
        print(f"\nshipped (chapter 14): one sentence at a time on the first {args.sample} sentences; "
              f"translations and probabilities on the whole split; served in processes without Keras "
              f"(peak memory: SavedModel {runs['SavedModel (TensorFlow)']['peak_memory_mb']:,} MB, "
              f"ONNX Runtime {runs['ONNX Runtime']['peak_memory_mb']:,} MB)")
        print(table.to_string())
        print()
    numpy_ms = 1000 * results["numpy, weights only (batch 1)"][1]
    numpy_same = sum(a == b for a, b in zip(results["numpy, weights only (batch 1)"][0], results["batched greedy"][0]))
    print(f"numpy translator, batch 1: {numpy_ms:.3f} ms per sentence (budget: at most {NUMPY_BUDGET_MS:g} ms, "
          f"{'met' if numpy_ms <= NUMPY_BUDGET_MS else 'NOT met'}); same translations as batched greedy on "
          f"{numpy_same} of {len(rows)} sentences")
    ratio = round(classic_time / results["batched greedy"][1])
    print(f"batched greedy vs classic loop, speed-up per sentence: {ratio:,}x (goal: at least {args.goal:,}x)")
    if ratio < args.goal:
        print(f"FAILED: the speed-up is under the goal of {args.goal:,}x", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
