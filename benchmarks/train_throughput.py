#!/usr/bin/env python
"""Training throughput on the Tatoeba sentences: chapter 9's length-bucketed batches against chapter 2's
batches padded to the corpus's longest sentence, in one run.

Method. The whole Tatoeba file is prepared as chapter 9 prepares it (vocabularies from the training
split, words seen once read as ``<unk>``), and ``--pairs`` training pairs are drawn from its training
split at random (fixed seed), so that their lengths are the corpus's. The same model (chapter 9's
``REAL_RECIPE``: ``build_training_model``, same initial weights) trains on that slice through each
pipeline, ``pipeline.padded_batches`` and ``pipeline.bucketed_batches``, with the same batch size, for
``--epochs`` epochs, the two taking turns epoch by epoch, so that a slow spell of a shared machine falls
on both alike. The first epoch traces the training step and is not timed. Other programs only ever add
time, so a pipeline's fastest epoch after the first is its speed (as ``timeit`` takes the best of its
repeats). Both pipelines carry the same real target tokens; throughput is those tokens per second.

The last line is the bucketed/padded throughput ratio. The script exits with status 1 when that ratio
(as printed, rounded to 0.1) is under ``--goal`` (default 2x). Everything is printed either way.

    python benchmarks/train_throughput.py [--pairs 6400] [--epochs 4] [--goal 2]
"""

from __future__ import annotations

import argparse
import functools
import sys

import numpy as np

from s2sbook import models, pipeline
from s2sbook.data import TATOEBA_CORPUS, prepare
from s2sbook.timing import timed
from s2sbook.training import compile_model, set_seed

# Chapter 9's promise: bucketing at least doubles the real target tokens trained per second.
SPEED_UP_GOAL = 2.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=6400,
                        help="training pairs in the timed slice (default: 6400, 100 batches of 64)")
    parser.add_argument("--epochs", type=int, default=4,
                        help="epochs per pipeline, the first one untimed (default: 4)")
    parser.add_argument("--goal", type=float, default=SPEED_UP_GOAL,
                        help="exit with status 1 when bucketed batches train fewer than this many times as "
                             f"many real target tokens per second as padded ones (default: {SPEED_UP_GOAL:g})")
    args = parser.parse_args(argv)
    if args.pairs < 1 or args.epochs < 2 or args.goal <= 0:
        parser.error("--pairs must be at least 1, --epochs at least 2 and --goal above 0")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    recipe = pipeline.REAL_RECIPE
    data = prepare(TATOEBA_CORPUS, seed=recipe["seed"], min_count=recipe["min_count"])
    train = data.split["train"]
    rows = np.sort(np.random.default_rng(recipe["seed"]).choice(train, min(args.pairs, len(train)), replace=False))
    part = tuple(array[rows] for array in (data.encoder_input_data, data.decoder_input_data,
                                           data.decoder_target_data))
    tokens = int(np.count_nonzero(part[2]))
    print(f"{TATOEBA_CORPUS.name}: {len(rows):,} training pairs of {len(data.corpus.pairs):,}, {tokens:,} real "
          f"target tokens; French vocabulary {len(data.fr_vocab):,}, batch {recipe['batch_size']}")
    runs = {}
    for name, batches in (("padded", pipeline.padded_batches), ("bucketed", pipeline.bucketed_batches)):
        set_seed(recipe["seed"])
        fullmodel = models.build_training_model(len(data.en_vocab), len(data.fr_vocab), recipe["latent_dim"],
                                                recipe["embedding_dim"])
        compile_model(fullmodel, recipe["learning_rate"])
        dataset = batches(*part, recipe["batch_size"], seed=recipe["seed"])
        positions = sum(int(np.size(target)) for _, target in dataset)
        print(f"{name:>8}: {1 - tokens / positions:5.1%} of the target positions are padding")
        runs[name] = functools.partial(fullmodel.fit, dataset, epochs=1, shuffle=False, verbose=0), []
    for _ in range(args.epochs):  # in turns, so that a slow spell of the machine falls on both
        for fit, seconds in runs.values():
            seconds.append(timed(fit)[1])
    throughput = {}
    for name, (_, seconds) in runs.items():
        throughput[name] = tokens / min(seconds[1:])  # the first epoch traces; others only add time
        print(f"{name:>8}: epochs {', '.join(f'{s:.1f}' for s in seconds)} s (the first traces); fastest of "
              f"the others: {throughput[name]:,.0f} real target tokens per second")
    ratio = round(throughput["bucketed"] / throughput["padded"], 1)
    print(f"bucketed vs padded, training throughput (real target tokens per second): {ratio:.1f}x "
          f"(goal: at least {args.goal:g}x)")
    if ratio < args.goal:
        print(f"FAILED: the ratio is under the goal of {args.goal:g}x", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
