"""The reading room: where readers and apps get the editions.

Every build writes, beside the editions, a download page (``index.html``, one
file with its styles and fonts inside), an OPDS 1.2 acquisition feed (``opds.xml``) that e-reader apps
browse, an Atom feed (``feed.xml``), and the cover with a thumbnail for them.
A collection writes them once more at its top, over every article.

Everything here is made from what an article's ``manifest.json`` records (its
``catalogue``, its outputs' sizes and digests, its source date), so the
collection's pages come from its articles' folders alone, and a merged
collection gets the same bytes as one built whole. ``sign`` signs and checks
``SHA256SUMS`` in minisign's format.
"""
