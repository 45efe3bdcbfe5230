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
