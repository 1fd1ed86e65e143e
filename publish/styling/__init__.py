"""The look: the style stack, its templates, stylesheets and typefaces.

``styles`` finds each file in a project's own ``styles/`` or the defaults
(``defaults``) and owns the jinja2 environment; ``css`` assembles the
stylesheets; ``fonts`` decides which typeface sets each character and cuts
the subsets each edition embeds. Every font family and every stylesheet
comes from the styles, so a publisher's own takes effect everywhere.
"""
