"""Inherited scikit-learn methods (``score``, ``set_output``...) on our API
pages, without dead links.

Their docstrings cross-reference labels of scikit-learn's own site
(``:ref:`r2_score```), which this site does not carry and an offline build
cannot fetch; the link text is shown instead.
"""

from __future__ import annotations

import re

# :ref:`text <label>` -> text; :ref:`label` -> label
_REF = re.compile(r":ref:`(?:([^`<]*?)\s*<[^`>]*>|([^`]*))`")


def _plain_refs(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", "") or ""
    if not module.startswith("sklearn."):
        return
    lines[:] = [_REF.sub(lambda m: m.group(1) or m.group(2), line) for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _plain_refs)
    return {"parallel_read_safe": True}
