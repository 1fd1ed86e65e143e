"""Attribution: what the licence asks of every copy, made and checked.

``model`` derives the attribution once from the manuscript (the credit
line, the licence statements, the machine-readable fields); ``kit`` writes
the republisher kit from it; ``check`` is ``publish check``, which reads any
HTML, PDF or EPUB, whoever made it, and says whether it carries what the
licence requires.
"""
