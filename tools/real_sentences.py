#!/usr/bin/env python
"""Train and evaluate chapter 9's recipe on the Tatoeba file for several seeds, and print each seed's
figures and their mean and spread.

    python tools/real_sentences.py                      # chapter 9's recipe, seeds 0, 1 and 2
    python tools/real_sentences.py --full --seeds 0     # the same recipe on all 76,037 pairs

Each seed runs in a process of its own, so that its peak memory (VmHWM: preparing the data, training,
evaluating) is its own. A seed sets the weights' initialisation, the shuffling and the split. The model
comes through ``load_or_train`` (cached under ``$S2S_CACHE`` like the chapters' models): a seed trained
before is loaded, and its line says so (its time is then the cached training time, its memory that of
the loading run). Per seed: training time, whole-process wall time and peak memory, epochs run, masked
validation accuracy of the kept weights, and on the test split BLEU and exact match against every
translation the corpus has for each English sentence. The last lines give mean ± standard deviation
and the range over the seeds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from s2sbook import processes

RESULT = "RESULT "  # the line a seed's process prints its figures on
PROGRESS = ("epoch", "Training model", "Trained model", "Loaded model")  # load_or_train's and EpochLog's lines


def one_seed(seed: int, full: bool) -> dict:
    started = time.perf_counter()
    from s2sbook import cache, decoding, models, pipeline
    from s2sbook.budgets import peak_memory_mb
    from s2sbook.data import TATOEBA_CORPUS
    from s2sbook.evaluation import bleu, exact_match

    recipe = {**(pipeline.FULL_RECIPE if full else pipeline.REAL_RECIPE), "seed": seed}
    trained = cache.load_or_train(recipe, corpus=TATOEBA_CORPUS, build=models.build_training_model,
                                  fit=pipeline.train_bucketed)
    data, fullmodel = trained.data, trained.fullmodel
    val_accuracy = pipeline.masked_accuracy(fullmodel, data, "val")
    encoder_model, decoder_model = models.inference_models(fullmodel)
    test = data.split["test"]
    outputs = decoding.decode_batch(data.encoder_input_data[test], encoder_model, decoder_model, data.fr_vocab,
                                    data.max_decoder_len, batch_size=pipeline.EVAL_BATCH)
    references = data.references(test)
    return {"seed": seed, "pairs": len(data.corpus.pairs), "train_s": trained.meta["train_seconds"],
            "epochs": len(trained.history["val_loss"]),
            "wall_s": round(time.perf_counter() - started, 1), "peak_mb": peak_memory_mb(),
            "val_accuracy": val_accuracy, "bleu": bleu(outputs, references)[0],
            "exact_match": exact_match(outputs, references)}


def summary(results: list[dict]) -> list[str]:
    lines = []
    for name, fmt in (("train_s", ".0f"), ("wall_s", ".0f"), ("peak_mb", ".0f"), ("epochs", ".1f"),
                      ("val_accuracy", ".4f"), ("bleu", ".2f"), ("exact_match", ".4f")):
        values = np.array([r[name] for r in results], dtype=float)
        std = values.std(ddof=1) if len(values) > 1 else 0.0
        lines.append(f"{name:>13}: {values.mean():{fmt}} ± {std:{fmt}} (range {values.min():{fmt}} to "
                     f"{values.max():{fmt}}, {len(values)} seed{'s' * (len(values) > 1)})")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="all 76,037 pairs (FULL_RECIPE), not chapter 9's")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds (default: 0 1 2)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a seed's own process
    args = parser.parse_args(argv)
    if args.one is not None:
        print(RESULT + json.dumps(one_seed(args.one, args.full)), flush=True)
        return 0
    print(f"{'all 76,037 pairs (FULL_RECIPE)' if args.full else 'chapter 9 (REAL_RECIPE)'}, "
          f"seeds {', '.join(map(str, args.seeds))}", flush=True)
    results = []
    for seed in args.seeds:
        def progress(_, line, seed=seed):
            # The seed's own lines (training or loading, one per epoch) are shown as they come: a full run is
            # long. Only load_or_train's and EpochLog's lines: TensorFlow's start-up log is in the error output.
            if line.startswith(PROGRESS):
                print(f"  seed {seed}: {line}", flush=True)

        command = processes.Command([__file__, "--one", str(seed), *(["--full"] if args.full else [])])
        try:
            lines = processes.run_processes([command], name=f"seed {seed}", echo=progress)[0].stdout.splitlines()
        except processes.ProcessError as error:
            print(error, file=sys.stderr)
            return 1
        found = [line for line in lines if line.startswith(RESULT)]
        loaded = any(line.startswith("Loaded model") for line in lines)
        if not found:
            print(f"seed {seed} printed no result", file=sys.stderr)
            return 1
        result = json.loads(found[0][len(RESULT):])
        result["cached"] = loaded
        results.append(result)
        print(json.dumps(result), flush=True)
    print("\n".join(summary(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
