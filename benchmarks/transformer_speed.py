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

    loops = {"recompute": recompute, "cached": cached}

    print(f"{args.split} split: {len(rows)} sentences batched, the first {len(sample)} one at a time; "
          f"fastest of {args.repeats} runs")
    for name, rows_of, each in (("batched", rows, None), ("one at a time", sample, transformer.one_at_a_time)):
        first, second = (each(f) if each else f for f in (recompute, cached))
        if first(rows_of, []) != second(rows_of, []):
            print(f"the cached loop's translations differ from recomputing ({name})", file=sys.stderr)
            return 1
    print("same translations from both loops, batched and one at a time")
    batched = {name: transformer.timed_runs(f, rows, args.repeats) for name, f in loops.items()}
    alone = {name: transformer.timed_runs(transformer.one_at_a_time(f), sample, args.repeats)[0]
             for name, f in loops.items()}
    print(f"{'loop':<10} {'ms per sentence, batched':>26} {'one at a time':>15}")
    for name in loops:
        print(f"{name:<10} {batched[name][0] * 1000:>26.3f} {alone[name] * 1000:>15.3f}")
    print("ms per step, batched:")
    for name in loops:
        print(f"  {name:<10} " + " ".join(f"{s * 1000:.1f}" for s in batched[name][1]))
    print(f"cached vs recompute, one at a time: {alone['recompute'] / alone['cached']:.1f}x faster per sentence")
    steps = batched["cached"][1]
    print(f"cached loop, last step vs first step: {steps[-1] / steps[0]:.2f}x (goal: at most {FLAT_GOAL}x)")
    ratio = batched["recompute"][0] / batched["cached"][0]
    print(f"cached vs recompute, batched: {ratio:.1f}x faster per sentence (goal: at least {BATCHED_GOAL:g}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
