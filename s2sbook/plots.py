"""Figures of the book, drawn from the data and from the model objects themselves."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

# The smallest text of any figure of the book, in points (matplotlib's own default text is 10 pt). Figures are
# at most MAX_WIDTH_IN wide, so that in the site's 672 px column this text still renders at 9 px or more
# (tests/test_figures.py checks every figure here; the browser test checks each page's figures).
SMALLEST_FONT_PT = 9
MAX_WIDTH_IN = 9.3
MODEL_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red")
GATES = ("i (input)", "f (forget)", "c (cell candidate)", "o (output)")  # Keras's order in LSTM kernels


def length_histograms(en_lengths, fr_lengths):
    fig, ax = plt.subplots(figsize=(7, 3))
    bins = np.arange(0, max(max(en_lengths), max(fr_lengths)) + 2) - 0.5
    ax.hist([en_lengths, fr_lengths], bins=bins, label=["English", "French"])
    ax.set(xlabel="tokens per sentence (words and punctuation)", ylabel="sentences",
           title="Sentence lengths")
    ax.legend()
    fig.tight_layout()
    return fig


def teacher_forcing(source, decoder_input, target):
    """Token boxes: at each step the decoder reads the *true* previous token and must predict the next."""
    steps = len(decoder_input)
    fig, ax = plt.subplots(figsize=(min(max(1.25 * steps + 2.5, 8), 9.2), 3.2))
    ax.set_xlim(-2.2, max(steps + 0.2, 5.4))
    ax.set_ylim(-0.6, 3.2)
    ax.axis("off")
    ax.text(-2.1, 2.75, "encoder reads:  " + " ".join(source) + "   →  states (h, c)", fontsize=12,
            va="center")
    rows = ((1.8, "decoder input\n(true previous)", decoder_input, "#dbe9f6"),
            (0.2, "target\n(next token)", target, "#fde3c8"))
    for y, label, tokens, colour in rows:
        ax.text(-2.1, y, label, va="center", fontsize=11)
        for t, token in enumerate(tokens):
            ax.text(t + 0.4, y, token, ha="center", va="center", fontsize=12,
                    bbox=dict(boxstyle="round", fc=colour, ec="grey"))
    for t in range(steps):
        ax.annotate("", xy=(t + 0.4, 0.5), xytext=(t + 0.4, 1.5), arrowprops=dict(arrowstyle="->"))
        if t + 1 < steps:
            ax.annotate("", xy=(t + 1.25, 1.55), xytext=(t + 0.55, 0.45),
                        arrowprops=dict(arrowstyle="->", color="tab:green", linestyle="--"))
    ax.text(-2.1, -0.45, "green: the target at step t is the input at step t+1 (the true token, not a guess)",
            fontsize=11, color="tab:green")
    fig.tight_layout()
    return fig


def _tensor_sources(value) -> list[str]:
    """Names of the layers whose output tensors appear in a serialised call (``inbound_nodes``)."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            return [value["config"]["keras_history"][0]]
        return [name for v in value.values() for name in _tensor_sources(v)]
    if isinstance(value, (list, tuple)):
        return [name for v in value for name in _tensor_sources(v)]
    return []


def _edges(model):
    """Edges between the layer objects of ``model``, read from its own config (the graph it runs)."""
    layer_names = {layer.name for layer in model.layers}
    parents = {spec["name"]: _tensor_sources(spec["inbound_nodes"]) for spec in model.get_config()["layers"]}
    # Operations that are not layers (the padding mask's not_equal) are left out of the picture.
    return [(model.get_layer(p), model.get_layer(n))
            for n in (layer.name for layer in model.layers) for p in dict.fromkeys(parents.get(n, []))
            if p in layer_names]


def shared_layer_graph(models: dict, title: str = ""):
    """Every layer object of ``models`` drawn once; each model's graph drawn as a coloured path through them.

    Nodes are keyed by ``id(layer)``, so a layer used by two models appears once with both colours
    passing through it, and a layer that is merely *named* alike would appear twice.
    """
    edges = {name: _edges(model) for name, model in models.items()}
    nodes = {}
    for model in models.values():
        for layer in model.layers:
            nodes.setdefault(id(layer), layer)
    parents, children = {}, {}
    for pairs in edges.values():
        for a, b in pairs:
            parents.setdefault(id(b), set()).add(id(a))
            children.setdefault(id(a), set()).add(id(b))
    depth = {}

    def longest_from_sources(key):
        if key not in depth:
            depth[key] = 1 + max((longest_from_sources(p) for p in parents.get(key, ())), default=-1)
        return depth[key]

    for key in nodes:
        longest_from_sources(key)
    # Pull every layer right, next to the first layer that reads its output (from the last column back),
    # so that no arrow skips a column and runs through a box on its way.
    for key in sorted(nodes, key=lambda k: -depth[k]):
        if key in children:
            depth[key] = min(depth[c] for c in children[key]) - 1
    columns = {}
    for key in nodes:
        columns.setdefault(depth[key], []).append(key)
    position = {}
    for x in sorted(columns):
        # Within a column, in the order of the layers that feed them (fewer crossing arrows); inputs last.
        keys = sorted(columns[x], key=lambda k: (k not in parents,
                                                  -np.mean([position[p][1] for p in parents.get(k, ())] or [0])))
        for row, key in enumerate(keys):
            position[key] = (x * 3.2, -(row - (len(keys) - 1) / 2) * 1.5)

    width = min(1.9 * (len(columns) + 1), MAX_WIDTH_IN - 0.3)
    fig, ax = plt.subplots(figsize=(width, 1.2 * max(map(len, columns.values())) + 1.5))
    for index, (name, pairs) in enumerate(edges.items()):
        offset = (index - (len(edges) - 1) / 2) * 0.12
        colour = MODEL_COLOURS[index % len(MODEL_COLOURS)]
        for a, b in pairs:
            (x0, y0), (x1, y1) = position[id(a)], position[id(b)]
            ax.annotate("", xy=(x1 - 1.1, y1 + offset), xytext=(x0 + 1.1, y0 + offset),
                        arrowprops=dict(arrowstyle="->", color=colour, lw=2, alpha=0.85))
        ax.plot([], [], color=colour, lw=3, label=name)
    # The encoder's final state starts the decoder: label that edge with what travels along it.
    state_edges = {(id(a), id(b)) for pairs in edges.values() for a, b in pairs
                   if type(a).__name__ == "LSTM" and type(b).__name__ == "LSTM"}
    for a, b in state_edges:
        (x0, y0), (x1, y1) = position[a], position[b]
        ax.text((x0 + x1) / 2 + 0.25, (y0 + y1) / 2 + 0.15, "state [h, c]", fontsize=9, ha="left",
                va="bottom", style="italic", bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none"))
    for key, layer in nodes.items():
        x, y = position[key]
        used_by = sum(layer in model.layers for model in models.values())
        ax.text(x, y, f"{layer.name}\n{type(layer).__name__}  id …{key % 100000:05d}", ha="center",
                va="center", fontsize=9,
                bbox=dict(boxstyle="round", fc="#f2f2f2" if used_by == 1 else "#fff2b3", ec="black"))
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(models), frameon=False, fontsize=11)
    xs = [p[0] for p in position.values()]
    ys = [p[1] for p in position.values()]
    ax.set_xlim(min(xs) - 1.4, max(xs) + 1.4)
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.9)
    ax.axis("off")
    if title:
        ax.set_title(title, pad=30, fontsize=12)
    fig.tight_layout()
    return fig


def training_curves(history: dict):
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    epochs = np.arange(1, len(history["loss"]) + 1)
    for ax, metric, label in ((axes[0], "loss", "masked cross-entropy"),
                              (axes[1], "masked_accuracy", "masked token accuracy")):
        ax.plot(epochs, history[metric], "o-", label="training")
        ax.plot(epochs, history["val_" + metric], "s-", label="validation")
        ax.set(xlabel="epoch", ylabel=label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig


def weight_comparison(rows, column_titles=("from fullmodel", "from the inference model", "difference")):
    """One row per tensor: ``(label, a, b)`` drawn as a | b | a - b with a shared colour scale for a and b,
    and a colour bar saying what the colours are. A row ``(label, a, b, groups)`` also marks equal column
    groups of the tensor (an LSTM's four gates) with their names."""
    height = max(1.9 * len(rows) + 0.6, 3.2)  # one row: not a strip wider than 3:1
    fig, axes = plt.subplots(len(rows), 3, figsize=(7.8, height), squeeze=False)
    for (label, a, b, *groups), row in zip(rows, axes):
        a, b = np.atleast_2d(a), np.atleast_2d(b)
        limit = float(np.abs(a).max()) or 1.0
        for ax, values in zip(row, (a, b, a - b)):
            image = ax.imshow(values.T if values.shape[0] > values.shape[1] else values, aspect="auto",
                              cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if groups:
                width = values.shape[1] / len(groups[0])
                for k in range(1, len(groups[0])):
                    ax.axvline(k * width - 0.5, color="black", linewidth=0.8)
                ax.set_xticks([(k + 0.5) * width - 0.5 for k in range(len(groups[0]))], groups[0], fontsize=9)
                ax.tick_params(length=0)
        row[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
        row[2].set_title(f"max |difference| = {np.abs(a - b).max():.1e}", fontsize=9)
        colour_bar = fig.colorbar(image, ax=row[2], fraction=0.05)
        colour_bar.set_label("weight value", fontsize=9)
        colour_bar.ax.tick_params(labelsize=9)
    for ax, title in zip(axes[0], column_titles):
        ax.set_title(f"{title}\n" + ax.get_title(), fontsize=9)
    fig.tight_layout()
    return fig


def lstm_gate_rows(layer_name: str, kernel_a, kernel_b, recurrent_a, recurrent_b):
    """Rows for ``weight_comparison``: an LSTM's kernel and recurrent kernel, each one row with its four gates
    (i, f, c, o, in Keras's order) marked."""
    gates = [gate.split()[0] for gate in GATES]
    return [(f"{layer_name}\n{which}", np.asarray(a), np.asarray(b), gates)
            for which, a, b in (("kernel", kernel_a, kernel_b), ("recurrent kernel", recurrent_a, recurrent_b))]


def attention_heatmaps(examples, columns: int = 3):
    """One heatmap per ``(english_tokens, french_output_tokens, weights)``: French rows, English columns;
    axes titled, one colour bar for all."""
    rows = -(-len(examples) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.8 * columns, 3.0 * rows), squeeze=False)
    image = None
    for ax, (english, french, weights) in zip(axes.flat, examples):
        image = ax.imshow(weights[:, :len(english)], cmap="Blues", vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(english)), english, rotation=60, ha="right", fontsize=9)
        ax.set_yticks(range(len(french)), french, fontsize=9)
        ax.set_xlabel("English source token", fontsize=9)
        ax.set_ylabel("French output token", fontsize=9)
        ax.tick_params(length=0)
    for ax in axes.flat[len(examples):]:
        ax.axis("off")
    fig.tight_layout()
    if image is not None:
        colour_bar = fig.colorbar(image, ax=axes.ravel().tolist(), fraction=0.02, pad=0.02)
        colour_bar.set_label("attention weight (each row sums to 1)", fontsize=9)
    return fig


def decoding_speed(methods: list[str], seconds_per_sentence: list[float]):
    """Chapter 6: time per sentence of each decoding method (log scale), labelled with its speed-up
    over the first method."""
    fig, ax = plt.subplots(figsize=(8, 0.75 * len(methods) + 1.4))
    ms = np.asarray(seconds_per_sentence) * 1000
    y = np.arange(len(methods))[::-1]
    ax.barh(y, ms, color=[plt.get_cmap("tab10")(i) for i in range(len(methods))])
    ax.set_xscale("log")
    ax.set_yticks(y, methods, fontsize=12)
    ax.tick_params(axis="x", labelsize=11)
    for yi, value in zip(y, ms):
        # One significant figure: the ratio moves with the machine and its load far more than the digits
        # of "11,350×" would say (chapter 6 prints the measured ratio, and says so).
        label = "baseline" if value == ms[0] else f"about {float(f'{ms[0] / value:.1g}'):,.0f}× faster"
        ax.text(value * 1.2, yi, f"{value:.3g} ms ({label})", va="center", fontsize=12)
    ax.set_xlim(ms.min() / 3, ms.max() * 40)  # room for the labels right of the bars
    ax.set_xlabel("milliseconds per sentence (log scale)", fontsize=12)
    ax.set_title("Greedy and beam decoding of the test split", fontsize=13)
    fig.tight_layout()
    return fig


def inference_loop(encoder_model, decoder_model, source_tokens, output_tokens, start="START_", end="_END"):
    """Chapter 3: greedy decoding as it runs, one row per call, top to bottom. ``encoder_model`` once on the
    source; then ``decoder_model`` once per output token, each step fed the previous token (left) and the
    state ``[h, c]`` the step above returned (green), giving the most probable next token (right). Box
    labels are the models' own names and input names; the tokens are one real translation. Drawn tall and
    narrow, so that its text stays legible in the site's column and on a phone."""
    steps = [*output_tokens, end]
    inputs = [start, *output_tokens]
    n = len(steps)
    fig, ax = plt.subplots(figsize=(5.2, 0.62 * (n + 1) + 1.3))
    box = dict(boxstyle="round,pad=0.3", ec="black")
    left, middle, right = 1.1, 5.0, 8.9
    ax.text(left, 1.0, "token fed in", ha="center", fontsize=9, color="dimgray")
    ax.text(right, 1.0, "most probable\nnext token", ha="center", va="bottom", fontsize=9, color="dimgray")
    ax.text(middle, 0, f"{encoder_model.name} (once)", ha="center", va="center", fontsize=10,
            bbox=box | dict(fc="#dbe9f6"))
    ax.text(left, 0, "\n".join(textwrap.wrap(" ".join(source_tokens), 16)), ha="center", va="center", fontsize=9)
    ax.annotate("", xy=(middle - 1.75, 0), xytext=(left + 1.2, 0), arrowprops=dict(arrowstyle="->", lw=1.5))
    for t in range(n):
        y = -(t + 1)
        ax.text(middle, y, f"{decoder_model.name}, step {t + 1}", ha="center", va="center", fontsize=10,
                bbox=box | dict(fc="#fde3c8"))
        ax.text(left, y, inputs[t], ha="center", va="center", fontsize=10, family="monospace")
        ax.annotate("", xy=(middle - 1.9, y), xytext=(left + 0.85, y), arrowprops=dict(arrowstyle="->", lw=1.5))
        ax.text(right, y, steps[t], ha="center", va="center", fontsize=10, family="monospace", fontweight="bold")
        ax.annotate("", xy=(right - 0.85, y), xytext=(middle + 1.9, y), arrowprops=dict(arrowstyle="->", lw=1.5))
        # the state from the step above (or from the encoder)
        ax.annotate("", xy=(middle, y + 0.28), xytext=(middle, y + 0.72),
                    arrowprops=dict(arrowstyle="->", lw=2, color="tab:green"))
        ax.text(middle + 0.15, y + 0.5, "[h, c]", ha="left", va="center", fontsize=9, color="tab:green")
        if t + 1 < n:  # the output token becomes the next step's input
            ax.annotate("", xy=(left + 0.3, y - 0.78), xytext=(right - 0.3, y - 0.22),
                        arrowprops=dict(arrowstyle="->", lw=1, color="gray", ls="--",
                                        connectionstyle="arc3,rad=0.08"))
    ax.text(0, -(n + 0.75), f"dashed: each output is the next step's {decoder_model.inputs[0].name}",
            fontsize=9, color="dimgray", ha="left", va="center")
    ax.set_xlim(0, 10)
    ax.set_ylim(-(n + 1.0), 1.5)
    ax.axis("off")
    ax.set_title("Greedy decoding: the encoder runs once,\nthe decoder once per token, its state fed back",
                 fontsize=11)
    fig.tight_layout()
    return fig
