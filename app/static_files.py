"""Static files, served pre-compressed when a `.gz` sibling exists (made by
`make`; nginx does the same on the Pi with gzip_static). Phones on slow
Wi-Fi load a third of the bytes."""
from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import current_app, request, send_from_directory


def _fresh(compressed: Path, original: Path) -> bool:
    """A `.gz` older than its file is left over from before an edit: never
    serve it (the browser would get the old stylesheet or script)."""
    try:
        return compressed.stat().st_mtime >= original.stat().st_mtime
    except FileNotFoundError:
        return False


def send_static(filename: str):
    folder = Path(current_app.static_folder)
    compressed = folder / f"{filename}.gz"
    if "gzip" in request.accept_encodings and compressed.is_file() \
            and compressed.resolve().is_relative_to(folder.resolve()) \
            and _fresh(compressed, folder / filename):
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        response = send_from_directory(folder, f"{filename}.gz", mimetype=mimetype)
        response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
        return response
    return current_app.send_static_file(filename)


def init_app(app) -> None:
    send_static.access_rule = ("public", ())
    app.view_functions["static"] = send_static
