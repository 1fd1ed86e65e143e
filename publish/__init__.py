"""Reproducible HTML, PDF and EPUB editions of Creative Commons articles.

The folders are the stages a manuscript goes through, and each imports only
from the ones below it (an import-linter contract in pyproject.toml, checked
by ``nox -s lint``):

- ``cli`` (and ``_entry``, the command's first moments): arguments in, exit
  codes out;
- ``build/``: one build, all or nothing, with its cache and its PDF worker;
- ``editions/``: the HTML, PDF and EPUB, each from the one Document;
- ``attribution/``: the attribution model, the republisher kit and
  ``publish check``;
- ``document``: everything one build renders from, parsed once;
- ``styling/``: styles, templates, stylesheets and typefaces;
- ``source/``: the manuscript as written, read and checked.

``errors``, ``options`` and ``zips`` are shared by all of them.
"""

__version__ = "0.1.0"
