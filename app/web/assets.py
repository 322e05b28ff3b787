"""Static files: each page names them with their content's fingerprint (`asset_url`), so they can be cached for a
year and a new build is a new address. Flask-Compress sends them compressed (zstd, Brotli or deflate, as the browser
accepts), like every other response."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import request, url_for

FOREVER = "public, max-age=31536000, immutable"


def init_app(app) -> None:
    folder, fingerprints = Path(app.static_folder), {}

    def fingerprint(filename: str) -> str | None:
        """The first 12 hex digits of the file's SHA-256 (read once per process), or None when there is no such
        file."""
        if filename not in fingerprints:
            path = folder / filename
            fingerprints[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else None
        return fingerprints[filename]

    def asset_url(filename: str) -> str:
        return url_for("static", filename=filename, v=fingerprint(filename))

    app.jinja_env.globals["asset_url"] = asset_url

    @app.after_request
    def cache_fingerprinted(response):
        """A file asked for by the fingerprint it has now never changes at that address. (Runs before compression,
        which replaces a file's stream with a compressing one without closing the file: closing the response closes
        it.)"""
        if request.endpoint == "static" and hasattr(response.response, "close"):
            response.call_on_close(response.response.close)
        asked = request.args.get("v")
        if (asked and request.endpoint == "static" and response.status_code == 200 and request.view_args
                and asked == fingerprint(request.view_args["filename"])):
            response.headers["Cache-Control"] = FOREVER
        return response
