#!/usr/bin/env python
"""Chapter 12's Transformer: recomputing the whole model on the prefix at every step (keras.io's loop)
against the cached decoder (encoder once, each new token alone through the decoder blocks), in one run.

Method. The chapter's model is loaded (or trained once and cached) with ``cache.load_or_train``. Each
loop decodes the whole split batched, and the first ``--sample`` sentences one at a time (their time
per sentence is that sample's time divided by its size). Every measurement is the fastest of
``--repeats`` runs (other programs on a shared machine only ever add time), after one untimed run
that pays the one-time costs (Keras compiling its predict function, traced again for new shapes).
The two loops must give the same translations, or the script fails. The step costs are those of the
batched loops: each step's fastest over the repeats.

Goals (printed, never enforced: timings depend on the machine and its load): the cached loop, batched,
at least 5x faster per sentence than recomputing, batched; and a flat cost per cached step, the last
step at most 1.5x the first.

    python benchmarks/transformer_speed.py [--sample 50] [--repeats 5] [--split test]
"""

from __future__ import annotations

import argparse
import sys
import time

from s2sbook import cache, transformer

BATCHED_GOAL = 5.0  # cached batched at least this many times faster than recompute batched
FLAT_GOAL = 1.5  # the cached loop's last step at most this many times its first


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("train", "val", "test"), default="test")
    parser.add_argument("--sample", type=int, default=50, help="sentences decoded one at a time (default: 50)")
    parser.add_argument("--repeats", type=int, default=5,
                        help="timed runs of each loop; the fastest is kept (default: 5)")
    args = parser.parse_args(argv)
    if args.sample < 1 or args.repeats < 1:
        parser.error("--sample and --repeats must be at least 1")
    return args


def measure(decode, rows, repeats):
    """``(translations, seconds per run, per-step seconds)``: the fastest run and each step's fastest."""
    decode(rows, [])  # untimed: compiles, and traces for these shapes
    runs, steps = [], []
    for _ in range(repeats):
        step_times = []
        started = time.perf_counter()
        out = decode(rows, step_times)
        runs.append(time.perf_counter() - started)
        steps.append(step_times)
    length = min(map(len, steps))
    return out, min(runs), [min(s[i] for s in steps) for i in range(length)]


def one_at_a_time(decode):
    def run(rows, step_times):
        return [tokens for i in range(len(rows)) for tokens in decode(rows[i : i + 1], step_times)]

    return run


def main(argv=None) -> int:
    args = parse_args(argv)
    trained = cache.load_or_train(transformer.TRANSFORMER_RECIPE, build=transformer.build_transformer)
    fullmodel, ds = trained.fullmodel, trained.data
    encoder_model = transformer.transformer_encoder_model(fullmodel)
    decoder_model = transformer.transformer_decoder_model(fullmodel)
    rows = ds.encoder_input_data[ds.split[args.split]].astype("int32")
    sample = rows[: args.sample]
    vocab, max_len = ds.fr_vocab, ds.max_decoder_len

    def recompute(encoder_input_data, step_times):
        return transformer.recompute_decode(fullmodel, encoder_input_data, vocab, max_len, step_times)

    def cached(encoder_input_data, step_times):
        return transformer.cached_decode(encoder_model, decoder_model, encoder_input_data, vocab, max_len,
                                         step_times)

    print(f"{args.split} split: {len(rows)} sentences batched, the first {len(sample)} one at a time; "
          f"fastest of {args.repeats} runs")
    results = {}
    for name, decode in (("recompute", recompute), ("cached", cached)):
        results[name, "batched"] = measure(decode, rows, args.repeats)
        results[name, "one at a time"] = measure(one_at_a_time(decode), sample, args.repeats)
    for mode in ("batched", "one at a time"):
        if results["recompute", mode][0] != results["cached", mode][0]:
            print(f"the cached loop's translations differ from recomputing ({mode})", file=sys.stderr)
            return 1
    print(f"same translations from both loops, batched and one at a time ({len(rows)} and {len(sample)})")
    print(f"{'loop':<10} {'mode':<14} {'ms per sentence':>16}")
    per_sentence = {}
    for (name, mode), (_, seconds, _) in results.items():
        per_sentence[name, mode] = seconds / (len(rows) if mode == "batched" else len(sample)) * 1000
        print(f"{name:<10} {mode:<14} {per_sentence[name, mode]:>16.3f}")
    print("per step, batched (ms):")
    for name in ("recompute", "cached"):
        steps = results[name, "batched"][2]
        print(f"  {name:<10} " + " ".join(f"{s * 1000:.0f}" for s in steps))
    for mode in ("one at a time", "batched"):
        ratio = per_sentence["recompute", mode] / per_sentence["cached", mode]
        print(f"cached vs recompute, {mode}: {ratio:.1f}x faster per sentence")
    steps = results["cached", "batched"][2]
    print(f"cached loop, last step vs first step: {steps[-1] / steps[0]:.2f}x (goal: at most {FLAT_GOAL}x)")
    batched = per_sentence["recompute", "batched"] / per_sentence["cached", "batched"]
    print(f"cached vs recompute, batched: {batched:.1f}x (goal: at least {BATCHED_GOAL:g}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
