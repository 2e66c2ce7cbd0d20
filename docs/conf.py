"""Sphinx configuration: ``sphinx-build -W --keep-going -b html docs docs/_build/html``.

The Markdown pages are read by MyST-Parser; the API page is autodoc over the public names; the
reference tables (fixtures, markers, options, fault kinds, the control API) are generated from
the code by ``docs/_ext/mturk_reference.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

import pytest_mturk  # noqa: E402  (after the path: the extension lives beside this file)

project = "pytest-mturk"
author = "pytest-mturk developers"
copyright = "pytest-mturk developers"
release = version = pytest_mturk.__version__

extensions = ["myst_parser", "sphinx.ext.autodoc", "mturk_reference"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_ext"]
root_doc = "index"

# Markdown: anchors for headings (the README's [Time](#time) links), as GitHub makes them.
myst_heading_anchors = 3
myst_enable_extensions = ["deflist"]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True}

html_theme = "alabaster"
html_title = f"pytest-mturk {release}"
# Room for the reference's tables.
html_theme_options = {"page_width": "1240px", "body_max_width": "none"}
