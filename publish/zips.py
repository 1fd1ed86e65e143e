"""ZIP archives whose bytes depend only on their contents and one date."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable

_FILE_MODE = 0o100644 << 16  # a regular file, rw-r--r--, whatever the umask
_LEVEL = 9


def deterministic_zip(
    entries: Iterable[tuple[str, bytes]],
    date: dt.datetime,
    *,
    stored: Iterable[str] = (),
) -> bytes:
    """A ZIP of ``entries`` in the order given, every one stamped with ``date``.

    Names in ``stored`` are written uncompressed (EPUB's ``mimetype``). The
    host system, umask, clock and zlib's default level never reach the bytes;
    zlib's own version still can, which the manifest records.
    """
    keep = set(stored)
    stamp = date.astimezone(dt.UTC).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3  # Unix, so external_attr means a mode
            info.external_attr = _FILE_MODE
            if name in keep:
                info.compress_type = zipfile.ZIP_STORED
                archive.writestr(info, data)
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data, compresslevel=_LEVEL)
    return buffer.getvalue()
