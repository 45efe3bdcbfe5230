"""Chapters 3 and 6: greedy decoding with the inference models, from the classic loop to a batched,
compiled one; beam search; the model's score of a translation."""

from __future__ import annotations

import weakref

import keras
import numpy as np
import tensorflow as tf

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


def decode_sequence_direct(input_seq, encoder_model, decoder_model, fr_vocab: Vocabulary,
                           max_decoder_len: int) -> list[str]:
    """``decode_sequence`` calling the models directly instead of ``predict``: same loop, same outputs."""
    h, c = encoder_model(input_seq, training=False)
    target_seq = np.array([[fr_vocab.index[START]]], dtype="int32")
    decoded = []
    for _ in range(max_decoder_len):
        # Keras 3 refuses a list mixing numpy arrays and tensors: make the token a tensor.
        output_tokens, h, c = decoder_model([keras.ops.convert_to_tensor(target_seq), h, c], training=False)
        sampled_token_index = int(np.argmax(output_tokens[0, -1, :]))
        if sampled_token_index == fr_vocab.index[END]:
            break
        decoded.append(fr_vocab.tokens[sampled_token_index])
        target_seq = np.array([[sampled_token_index]], dtype="int32")
    return decoded


def compiled_encoder(encoder_model):
    """``encoder_model`` as a ``tf.function`` traced once for any number of sentences of any length.

    It returns the decoder's first state: ``(h, c)``, or with attention (chapter 7) ``(encoder
    outputs, h, c)``.
    """
    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)])
    def encode(encoder_input_data):
        return tuple(encoder_model(encoder_input_data, training=False))

    return encode


def compiled_decoder_step(decoder_model):
    """One decoder step as a ``tf.function`` traced once for any batch: ``(target_seq, *state)`` ->
    ``(next-token probabilities, *state)``. A fixed input signature means no retracing.

    The state ends with the LSTM's ``h, c``, which the decoder returns updated; anything before them
    (with attention, chapter 7: the encoder outputs) is the same at every step.
    """
    state_specs = [tf.TensorSpec(t.shape, t.dtype) for t in decoder_model.inputs[1:]]

    @tf.function(input_signature=[tf.TensorSpec([None, 1], tf.int32), *state_specs])
    def decoder_step(target_seq, *state):
        output_tokens, h, c = decoder_model([target_seq, *state], training=False)[:3]
        return output_tokens[:, -1, :], *state[:-2], h, c

    return decoder_step


# One trace per model, reused as long as the model lives (chapter 4 decodes with several models).
# The compiled functions see the model through a weak proxy, so that this cache does not keep it alive.
_ENCODERS, _DECODER_STEPS = weakref.WeakKeyDictionary(), weakref.WeakKeyDictionary()


def compiled(encoder_model, decoder_model):
    """``(encode, decoder_step)`` for these two models, traced on first use and then reused."""
    if encoder_model not in _ENCODERS:
        _ENCODERS[encoder_model] = compiled_encoder(weakref.proxy(encoder_model))
    if decoder_model not in _DECODER_STEPS:
        _DECODER_STEPS[decoder_model] = compiled_decoder_step(weakref.proxy(decoder_model))
    return _ENCODERS[encoder_model], _DECODER_STEPS[decoder_model]


def decode_sequence_compiled(input_seq, encode, decoder_step, fr_vocab: Vocabulary, max_decoder_len: int) -> list[str]:
    """The same loop again, one sentence at a time, with the compiled encoder and decoder step."""
    h, c = encode(input_seq)
    target_seq = np.array([[fr_vocab.index[START]]], dtype="int32")
    decoded = []
    for _ in range(max_decoder_len):
        probs, h, c = decoder_step(target_seq, h, c)
        sampled_token_index = int(np.argmax(probs[0]))
        if sampled_token_index == fr_vocab.index[END]:
            break
        decoded.append(fr_vocab.tokens[sampled_token_index])
        target_seq = np.array([[sampled_token_index]], dtype="int32")
    return decoded


def greedy_ids(encoder_input_data, encode, decoder_step, start: int, end: int, max_decoder_len: int) -> np.ndarray:
    """Greedy decoding of all rows at once: one decoder step per position for the whole batch.

    A row that has produced ``end`` is finished; it keeps being computed with the others (cheaper
    than shrinking the batch), and everything after its first ``end`` is ignored by the caller.
    """
    state = encode(encoder_input_data)
    target_seq = np.full((len(encoder_input_data), 1), start, dtype="int32")
    ids = np.zeros((len(encoder_input_data), max_decoder_len), dtype="int32")
    finished = np.zeros(len(encoder_input_data), dtype=bool)
    for step in range(max_decoder_len):
        probs, *state = decoder_step(target_seq, *state)
        ids[:, step] = np.argmax(probs, axis=-1)
        finished |= ids[:, step] == end
        if finished.all():
            break
        target_seq = ids[:, step:step + 1]
    return ids


def ids_to_tokens(ids, fr_vocab: Vocabulary) -> list[list[str]]:
    """Rows of token ids -> token lists, each cut before its first ``_END``."""
    end = fr_vocab.index[END]
    return [fr_vocab.decode(row[:row.index(end)] if end in row else row) for row in np.asarray(ids).tolist()]


def _int32_rows(encoder_input_data) -> np.ndarray:
    array = np.asarray(encoder_input_data)
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"encoder_input_data must be a 2-D array of token ids (sentences x positions), "
                         f"got shape {array.shape} and dtype {array.dtype}")
    return array.astype("int32", copy=False)


def decode_batch(encoder_input_data, encoder_model, decoder_model, fr_vocab: Vocabulary,
                 max_decoder_len: int, batch_size: int = 2048) -> list[list[str]]:
    """Greedy decoding of many sentences at once, each stopping at its own ``_END``: the same
    translations as ``decode_sequence``, with a compiled decoder step over ``batch_size`` sentences.
    """
    encode, decoder_step = compiled(encoder_model, decoder_model)
    rows = _int32_rows(encoder_input_data)
    start, end = fr_vocab.index[START], fr_vocab.index[END]
    results = []
    for first in range(0, len(rows), batch_size):
        ids = greedy_ids(rows[first:first + batch_size], encode, decoder_step, start, end, max_decoder_len)
        results += ids_to_tokens(ids, fr_vocab)
    return results


def length_penalty(length, alpha: float):
    """GNMT's length penalty (Wu et al. 2016, eq. 14): ``((5 + length) / 6) ** alpha``.

    A translation's score is its log-probability divided by this. The log-probability falls with
    every token, so without it a search prefers short outputs; ``alpha = 0`` turns it off.
    """
    return ((5 + np.asarray(length, dtype="float64")) / 6) ** alpha


def beam_search(encoder_input_data, encode, decoder_step, start: int, end: int, max_decoder_len: int,
                beam_width: int, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Beam search over all rows at once: ``(best ids, their length-normalised scores)``.

    Each sentence keeps its ``beam_width`` most probable prefixes. At each step every prefix is
    extended by every token, and the best ``beam_width`` extensions survive. An extension ending in
    ``end`` (or reaching the length limit) is complete: it leaves the beam and competes, with its
    normalised score, for the sentence's best translation. ``alpha`` must be 0 or more (the bound
    that stops a sentence early relies on it).
    """
    n, k = len(encoder_input_data), beam_width
    # k beams per sentence, sentence-major; at first only beam 0 is alive
    # (otherwise the same first token would fill all k beams).
    state = [np.repeat(s, k, axis=0) for s in encode(encoder_input_data)]
    log_prob = np.tile(np.r_[0.0, np.full(k - 1, -np.inf)], (n, 1))
    ids = np.zeros((n, k, max_decoder_len), dtype="int32")
    best_ids = np.zeros((n, max_decoder_len), dtype="int32")
    best_score = np.full(n, -np.inf)
    target_seq = np.full((n * k, 1), start, dtype="int32")
    for step in range(max_decoder_len):
        probs, *state = decoder_step(target_seq, *state)
        with np.errstate(divide="ignore"):  # log(0) = -inf is the right score for an impossible token
            next_log_prob = np.log(np.asarray(probs, dtype="float64")).reshape(n, k, -1)
        candidates = (log_prob[:, :, None] + next_log_prob).reshape(n, -1)
        # A stable sort puts the lowest token id first among equal scores, like argmax.
        top = np.argsort(-candidates, axis=1, kind="stable")[:, :k]
        beam, token = np.divmod(top, next_log_prob.shape[-1])
        log_prob = np.take_along_axis(candidates, top, axis=1)
        ids = np.take_along_axis(ids, beam[:, :, None], axis=1)
        ids[:, :, step] = token
        parent = (beam + k * np.arange(n)[:, None]).ravel()
        state = [np.asarray(s)[parent] for s in state]
        complete = np.isfinite(log_prob) & ((token == end) | (step == max_decoder_len - 1))
        score = np.where(complete, log_prob / length_penalty(step + 1, alpha), -np.inf)
        pick = score.argmax(axis=1)
        better = score[np.arange(n), pick] > best_score
        best_score[better] = score[better, pick[better]]
        best_ids[better] = ids[better, pick[better]]
        log_prob[token == end] = -np.inf  # a complete hypothesis is not extended
        # A prefix only loses log-probability, so no extension can score above this
        # bound: a sentence whose best complete translation reaches it is done.
        bound = log_prob.max(axis=1) / length_penalty(max_decoder_len, alpha)
        log_prob[best_score >= bound] = -np.inf
        if not np.isfinite(log_prob).any():
            break
        target_seq = token.reshape(-1, 1).astype("int32")
    return best_ids, best_score


def decode_beam(encoder_input_data, encoder_model, decoder_model, fr_vocab: Vocabulary, max_decoder_len: int,
                beam_width: int = 3, alpha: float = 0.6, batch_size: int = 2048) -> tuple[list[list[str]], np.ndarray]:
    """Beam search translations of many sentences, and their length-normalised scores."""
    if beam_width < 1:
        raise ValueError(f"beam_width must be at least 1 (1 is greedy decoding), got {beam_width}")
    if alpha < 0:
        raise ValueError(f"alpha must be 0 (no length normalisation) or more, got {alpha}")
    encode, decoder_step = compiled(encoder_model, decoder_model)
    rows = _int32_rows(encoder_input_data)
    start, end = fr_vocab.index[START], fr_vocab.index[END]
    outputs, scores = [], []
    for first in range(0, len(rows), batch_size):
        ids, score = beam_search(rows[first:first + batch_size], encode, decoder_step, start, end,
                                 max_decoder_len, beam_width, alpha)
        outputs += ids_to_tokens(ids, fr_vocab)
        scores.append(score)
    return outputs, np.concatenate(scores) if scores else np.zeros(0)


def sequence_scores(encoder_input_data, outputs: list[list[str]], encoder_model, decoder_model,
                    fr_vocab: Vocabulary, max_decoder_len: int, alpha: float = 0.6) -> np.ndarray:
    """The model's length-normalised score of given translations, computed independently of any search.

    The log-probability of each token of the output and then of ``_END`` (absent when the output
    reached the length limit), given the source and the previous tokens, summed, divided by
    ``length_penalty``. This is what beam search maximises.
    """
    rows = _int32_rows(encoder_input_data)
    if len(rows) != len(outputs):
        raise ValueError(f"{len(rows)} source sentences but {len(outputs)} outputs")
    encode, decoder_step = compiled(encoder_model, decoder_model)
    targets = np.zeros((len(outputs), max_decoder_len), dtype="int32")
    lengths = np.zeros(len(outputs), dtype="int64")
    for row, tokens in enumerate(outputs):
        if len(tokens) > max_decoder_len:
            raise ValueError(f"output {row} has {len(tokens)} tokens, more than max_decoder_len={max_decoder_len}")
        ids = fr_vocab.encode(tokens) + ([fr_vocab.index[END]] if len(tokens) < max_decoder_len else [])
        targets[row, :len(ids)] = ids
        lengths[row] = len(ids)
    state = encode(rows)
    target_seq = np.full((len(rows), 1), fr_vocab.index[START], dtype="int32")
    log_prob = np.zeros(len(rows))
    for step in range(max_decoder_len):
        probs, *state = decoder_step(target_seq, *state)
        with np.errstate(divide="ignore"):
            token_log_prob = np.log(np.asarray(probs, dtype="float64")[np.arange(len(rows)), targets[:, step]])
        log_prob += np.where(step < lengths, token_log_prob, 0.0)
        target_seq = targets[:, step:step + 1]
    return log_prob / length_penalty(lengths, alpha)


def exact_match(hypotheses: list[list[str]], references: list[list[str]]) -> float:
    """Fraction of sentences translated token for token like the reference."""
    return float(np.mean([h == r for h, r in zip(hypotheses, references, strict=True)]))


def detokenize(tokens: list[str]) -> str:
    """Tokens back to readable text (no space after an elided ``l'``, none before ``.``)."""
    text = " ".join(tokens)
    for mark in (" .", " ,"):
        text = text.replace(mark, mark.strip())
    return text.replace("' ", "'").replace(" - ", "-")
