"""A Sphinx extension of the book's build: each page loads each script once.

sphinx-thebe 0.3.1 adds its configuration as an inline script (``const THEBE_JS_URL = ...``) while the
documents are read, after the HTML builder has collected the extensions' scripts; with Sphinx 7.4 the
script then reaches every page twice (once registered with the file name ``None``, once with ``""``, which
Sphinx's check for duplicates takes for two scripts), and the browser logs "Identifier 'THEBE_JS_URL' has
already been declared" on every page. This drops the second copy of any script from each page.
"""


def _once(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (script.filename or "", tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"][:] = unique


def setup(app):
    app.connect("html-page-context", _once)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
