"""A tiny corpus and recipe, so tests of the model code take seconds."""

from pathlib import Path

PAIRS = [("He eats.", "Il mange."), ("She eats.", "Elle mange."), ("He reads.", "Il lit."),
         ("She reads.", "Elle lit."), ("We read.", "Nous lisons."), ("We eat.", "Nous mangeons.")]
# Sentences of different lengths, for code where padding matters (the attention mask).
VARIED_PAIRS = [("He eats.", "Il mange."), ("He eats the apple.", "Il mange la pomme."),
                ("She reads the book.", "Elle lit le livre."), ("We read.", "Nous lisons."),
                ("She eats the bread.", "Elle mange le pain."), ("We eat the apple.", "Nous mangeons la pomme.")]
RECIPE = {"latent_dim": 16, "embedding_dim": 8, "learning_rate": 0.03, "batch_size": 8, "epochs": 3, "seed": 7}


def write_corpus(folder: Path, copies: int = 4, pairs=PAIRS) -> Path:
    # Repeat the pairs so each split has some; a split needs rows, not distinct sentences.
    path = Path(folder) / "tiny.tsv"
    path.write_text("".join(f"{en}\t{fr}\tCC-BY\n" for _ in range(copies) for en, fr in pairs), encoding="utf-8")
    return path
