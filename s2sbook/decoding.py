"""Chapter 3: greedy decoding with the inference models."""

from __future__ import annotations

import keras
import numpy as np

from .data import END, START, Vocabulary


def decode_sequence(input_seq, encoder_model, decoder_model, fr_vocab: Vocabulary, max_decoder_len: int) -> list[str]:
    """The classic tutorial's greedy loop, corrected: token ids in and out, at most
    ``max_decoder_len`` steps (the longest French sentence + ``_END``), and a stop at ``_END``."""
    states_value = encoder_model.predict(input_seq, verbose=0)
    target_seq = np.array([[fr_vocab.index[START]]])
    decoded = []
    for _ in range(max_decoder_len):
        output_tokens, h, c = decoder_model.predict([target_seq, *states_value], verbose=0)
        sampled_token_index = int(np.argmax(output_tokens[0, -1, :]))
        if sampled_token_index == fr_vocab.index[END]:
            break
        decoded.append(fr_vocab.tokens[sampled_token_index])
        target_seq = np.array([[sampled_token_index]])
        states_value = [h, c]
    return decoded


def decode_batch(encoder_input_data, encoder_model, decoder_model, fr_vocab: Vocabulary,
                 max_decoder_len: int, batch_size: int = 512) -> list[list[str]]:
    """The same greedy loop run on many sentences at once, each stopping at its own ``_END``.

    Calls the models directly instead of ``predict`` (which is made for big inputs, not loops);
    chapter 3 checks it gives the same translations as ``decode_sequence``.
    """
    start, end = fr_vocab.index[START], fr_vocab.index[END]
    results = []
    for first in range(0, len(encoder_input_data), batch_size):
        batch = np.asarray(encoder_input_data[first:first + batch_size])
        h, c = encoder_model(batch, training=False)
        token = np.full((len(batch), 1), start, dtype="int32")
        ids = np.zeros((len(batch), max_decoder_len), dtype="int64")
        finished = np.zeros(len(batch), dtype=bool)
        for step in range(max_decoder_len):
            # One list may not mix numpy arrays and tensors in Keras 3: make the token a tensor too.
            probs, h, c = decoder_model([keras.ops.convert_to_tensor(token), h, c], training=False)
            ids[:, step] = np.argmax(np.asarray(probs)[:, -1, :], axis=-1)
            finished |= ids[:, step] == end
            if finished.all():
                break
            token = ids[:, step:step + 1].astype("int32")
        for row in ids:
            row = list(row)
            results.append(fr_vocab.decode(row[:row.index(end)] if end in row else row))
    return results


def exact_match(hypotheses: list[list[str]], references: list[list[str]]) -> float:
    """Fraction of sentences translated token for token like the reference."""
    return float(np.mean([h == r for h, r in zip(hypotheses, references, strict=True)]))


def detokenize(tokens: list[str]) -> str:
    """Tokens back to readable text (no space after an elided ``l'``, none before ``.``)."""
    text = " ".join(tokens)
    for mark in (" .", " ,"):
        text = text.replace(mark, mark.strip())
    return text.replace("' ", "'").replace(" - ", "-")
