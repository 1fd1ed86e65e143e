"""The build: one manuscript to its editions, all or nothing.

``run`` orchestrates a build (load once, render each edition or take it
from the ``cache``, write the kit, the manifest and the checksums); the PDF
is laid out by a forked ``worker``; ``outputs`` stages everything and moves
it into place; ``environment`` records the versions that decide the bytes;
``release`` makes the reproducible bundle (with ``publish.zips``, which the EPUB uses too).
"""
