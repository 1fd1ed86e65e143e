"""The source: what the writer wrote, read once and checked.

The manuscript's front matter and body (``manuscript``), its licence
(``licences``) and dates, the Markdown checked before pandoc (``precheck``),
pandoc's body (``body``, with its Lua policy), what may pass into the
editions (``sanitize``, ``links``), the images beside it, the one resource
fetcher, and the body fragment adapted for each edition (``fragment``,
``mathprint``). Nothing here knows of styles, editions or builds.
"""
