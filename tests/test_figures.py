"""Every figure a chapter draws (a code cell that calls plt.show()) has a caption and alt text that say
what it shows, as myst-nb cell metadata (mystnb: figure: caption, image: alt); the browser test checks
the rendered page."""

from book import cell_source, cells, toc_notebooks


def test_every_figure_cell_has_a_caption_and_alt_text():
    missing = []
    for notebook in toc_notebooks():
        for cell in cells(notebook):
            if cell["cell_type"] != "code" or "plt.show()" not in cell_source(cell):
                continue
            options = cell["metadata"].get("mystnb", {})
            caption = options.get("figure", {}).get("caption", "")
            alt = options.get("image", {}).get("alt", "")
            if len(caption.split()) < 5 or len(alt.split()) < 5:
                missing.append(f"{notebook.name} cell {cell['id']}")
    assert not missing, "give these cells mystnb: figure: caption and image: alt: " + ", ".join(missing)


def _text_sizes_and_width(fig):
    """The font size (pt) of every piece of text the figure shows, and its width in inches as saved for
    the page (bbox_inches="tight", as the notebook's inline backend saves it)."""
    import io

    import matplotlib.text
    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=100)
    width, height = Image.open(buffer).size
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()]
    return sizes, width / 100, height / 100


def book_figures():
    """Every figure function of s2sbook.plots, drawn from small real inputs."""
    from types import SimpleNamespace

    import numpy as np

    from s2sbook import models, plots

    fullmodel = models.build_training_model(12, 14, latent_dim=8, embedding_dim=4)
    encoder_model, decoder_model = models.inference_models(fullmodel)
    rng = np.random.default_rng(0)
    kernel = rng.normal(size=(4, 32))
    history = {k: list(rng.random(20)) for k in ("loss", "val_loss", "masked_accuracy", "val_masked_accuracy")}
    english, french = "she eats the green apple .".split(), "elle mange la pomme verte .".split()
    named = SimpleNamespace(name="decoder_model", inputs=[SimpleNamespace(name="decoder_token")])
    yield "length_histograms", plots.length_histograms([3, 4, 5, 9], [4, 5, 6, 11])
    yield "teacher_forcing", plots.teacher_forcing(english, ["START_", *french], [*french, "_END"])
    yield "shared_layer_graph", plots.shared_layer_graph(
        {"fullmodel": fullmodel, "encoder_model": encoder_model, "decoder_model": decoder_model}, "Shared layers")
    yield "training_curves", plots.training_curves(history)
    yield "weight_comparison", plots.weight_comparison(
        [("embedding", kernel, kernel), *plots.lstm_gate_rows("decoder_lstm", kernel, kernel, kernel, kernel)])
    yield "attention_heatmaps", plots.attention_heatmaps([(english, french, rng.random((6, 6)))] * 4)
    yield "decoding_speed", plots.decoding_speed(["classic loop", "compiled", "batched"], [0.2, 0.002, 0.00002])
    yield "inference_loop", plots.inference_loop(encoder_model, named, english, french)


def test_every_book_figure_keeps_its_text_legible_in_the_column():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from s2sbook.plots import MAX_WIDTH_IN, SMALLEST_FONT_PT

    problems = []
    for name, fig in book_figures():
        sizes, width, height = _text_sizes_and_width(fig)
        plt.close(fig)
        if min(sizes) < SMALLEST_FONT_PT:
            problems.append(f"{name}: text of {min(sizes):g} pt (the book's smallest is {SMALLEST_FONT_PT} pt)")
        if width > MAX_WIDTH_IN:
            problems.append(f"{name}: {width:.1f} in wide (at most {MAX_WIDTH_IN} in)")
        if width / height > 3:
            problems.append(f"{name}: {width:.1f} x {height:.1f} in, wider than 3:1")
        if name == "inference_loop":
            # The book's central picture is read on phones too: about 340 px of column there.
            phone_px = 10 * 100 / 72 * min(1, 340 / (width * 100))
            if phone_px < 9:
                problems.append(f"inference_loop: its 10 pt labels render at {phone_px:.1f} px on a phone")
    assert not problems, problems
