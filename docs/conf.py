"""Sphinx configuration. Build: ``sphinx-build -W -b html docs docs/_build/html``."""

import os
import sys

import sklearn_rnn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))

project = "sklearn-rnn"
author = "the sklearn-rnn developers"
copyright = "2026, the sklearn-rnn developers"
version = release = sklearn_rnn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # MathJax served from the built site itself: equations render offline
    # and in a locally built copy (the module's name has hyphens).
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "markdown_tables",
    "inherited_docstrings",
]
autosummary_generate = True
# sklearn adds set_*_request methods to every estimator class; their docstrings
# point into sklearn's own docs, which are not linked here.
# sklearn_rnn.spark's API page is built without Spark installed.
autodoc_mock_imports = ["pyspark"]
autodoc_default_options = {
    "members": True,
    "exclude-members": "set_fit_request, set_score_request, set_transform_request, "
    "set_partial_fit_request, get_metadata_routing",
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
intersphinx_mapping = {}  # the build machine may be offline: no remote inventories
exclude_patterns = ["_build", "auto_examples/*.ipynb", "**.md"]
templates_path = ["_templates"]
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-rnn {release}"
html_theme_options = {
    "navigation_with_keys": False,
    # Getting started, the user guide, the API reference and the examples
    # in the navbar, on one line at 1280 px (six links wrapped there); the
    # results pages and the rest under "More".
    "header_links_before_dropdown": 4,
}
# The left sidebar lists a page's sub-pages; the guide pages have none, and an
# empty "Section Navigation" column took a quarter of the width and clipped
# their code. The API reference and the gallery keep it.
html_sidebars = {
    page: []
    for page in (
        "index",
        "getting_started",
        "user_guide",
        "tagging",
        "deploying",
        "good_results",
        "time_series",
        "defaults_log",
        "scaling_out",
        "performance",
        "benchmarks",
        "development",
        "contributing",
        "changelog",
        "references",
    )
}
html_static_path = ["_static"]
html_css_files = ["long_names.css"]
html_js_files = ["break_at_dots.js"]
suppress_warnings = ["config.cache"]

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # SKLEARN_RNN_DOCS_RUN_EXAMPLES=0 builds the gallery without running the
    # scripts (CI does; tests/test_examples.py runs them instead).
    "plot_gallery": os.environ.get("SKLEARN_RNN_DOCS_RUN_EXAMPLES", "1") == "1",
    "download_all_examples": False,
    "within_subsection_order": "gallery_order.QuickstartFirst",
    # "Examples using this class" on every API page (the class template's
    # minigallery) from the names each example uses.
    "doc_module": ("sklearn_rnn",),
    # The execution-times pages load jQuery and DataTables from a CDN: the
    # only pages that would reach the network. Example run times are in
    # each example's footer.
    "write_computation_times": False,
    "backreferences_dir": "gen_modules/backreferences",
}
