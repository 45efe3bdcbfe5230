"""Chapter 6: timing decoders, scoring translations (BLEU with sacrebleu, exact match), and tagging
test sentences by construction for an error analysis."""

from __future__ import annotations

import re
import statistics
import time

import sacrebleu

from .decoding import detokenize

# Subjects that make the verb plural; the corpus has no "you" or "they" (see data/README.md).
PLURAL_SUBJECTS = ("we ", "the boys ", "the girls ", "the teachers ", "the children ")
# French passé composé: the auxiliary avoir for the subjects of the corpus (je, il/elle, nous, ils/elles).
AVOIR = {"ai", "a", "avons", "ont"}
ADJECTIVES = {"red", "new", "big", "small"}


def timed(function, repeats: int = 1):
    """``(result, seconds)``: the median wall time of ``repeats`` calls of ``function()``."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return result, statistics.median(times)


def bleu(outputs: list[list[str]], references: list[list[str]]) -> tuple[float, str]:
    """Corpus BLEU of token lists against one reference each, by sacrebleu on detokenised text:
    ``(score, signature)``.

    sacrebleu applies its own standard tokenisation (13a), so the score does not depend on ours; the
    signature says exactly how the score was computed.
    """
    if len(outputs) != len(references):
        raise ValueError(f"{len(outputs)} outputs but {len(references)} references")
    metric = sacrebleu.metrics.BLEU()
    score = metric.corpus_score([detokenize(o) for o in outputs], [[detokenize(r) for r in references]])
    return score.score, str(metric.get_signature())


def constructions(english: str, french_tokens: list[str]) -> list[str]:
    """The constructions a test pair contains, read off the pair itself.

    Sentence type from the English punctuation and ``n't``/``not``; tense from the English
    ``will``/``'ll``/``won't`` (future) or the French auxiliary *avoir* (passé composé, past);
    number from the English subject and object noun.
    """
    text = english.lower()
    words = re.findall(r"[a-z']+", text)
    tags = []
    if text.endswith("?"):
        tags.append("question")
    elif text.endswith("!"):
        tags.append("exclamation")
    if any(w.endswith("n't") or w == "not" for w in words):
        tags.append("negation")
    if "question" not in tags and "exclamation" not in tags and "negation" not in tags:
        tags.append("statement")
    if {"will", "won't"} & set(words) or any(w.endswith("'ll") for w in words):
        tags.append("future")
    elif AVOIR & set(french_tokens):
        tags.append("past")
    else:
        tags.append("present")
    subject = text.removeprefix("did ").removeprefix("does ").removeprefix("do ").removeprefix("will ")
    if subject.startswith(PLURAL_SUBJECTS):
        tags.append("plural subject")
    if words[-1].endswith("s") or words[-1] in {"men", "women"}:
        tags.append("plural object")
    if {"his", "her"} & set(words):
        tags.append("his/her (son/sa/ses)")
    if ADJECTIVES & set(words):
        tags.append("adjective")
    return tags


def first_difference(output: list[str], reference: list[str]) -> tuple[str, str]:
    """The first position where an output leaves its reference: ``(reference token, output token)``,
    with ``"(end)"`` for a sentence that stopped too early or too late."""
    for expected, got in zip(reference + ["(end)"], output + ["(end)"]):
        if expected != got:
            return expected, got
    raise ValueError("the output equals the reference")
