"""Static files as a venue's Wi-Fi needs them: compressed, and fetched once.

The console's map page is the heaviest page Mesa serves (plotly.js, about 1.7 MB minified).
Behind one crowded access point, every facilitator's laptop and the projector would fetch it
again on every visit. So:

- `url_for(".../static", filename=...)` adds `v=<content hash>`; a request carrying the file's
  current hash gets `Cache-Control: public, max-age=31536000, immutable` (a changed file gets a
  new URL, so a year-long cache is safe), any other request Flask's short default;
- text assets (JavaScript, CSS, SVG, JSON) are gzip-compressed once per file version and kept
  in memory, then sent to every client that accepts gzip (plotly: 1.76 MB -> 0.57 MB).

Done in the app rather than only in a reverse proxy so that `make run` on a laptop, the
embedded default, gets the same weight as a deployment.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, current_app, request

YEAR_SECONDS = 365 * 24 * 3600
COMPRESSIBLE = frozenset(
    {
        "text/css",
        "text/javascript",
        "application/javascript",
        "image/svg+xml",
        "application/json",
        "text/plain",
    }
)
MIN_COMPRESS_BYTES = 1024


def init_app(app: Flask) -> None:
    app.url_defaults(_add_content_hash)
    app.after_request(_compress_and_cache)


def _is_static(endpoint: str | None) -> bool:
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


def _static_folder(endpoint: str) -> str | None:
    if endpoint == "static":
        return current_app.static_folder
    blueprint = current_app.blueprints.get(endpoint.rsplit(".", 1)[0])
    return blueprint.static_folder if blueprint is not None else None


def _file_for(endpoint: str, filename: str) -> Path | None:
    folder = _static_folder(endpoint)
    if not folder:
        return None
    root = Path(folder).resolve()
    path = (root / filename).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


def _add_content_hash(endpoint: str, values: dict) -> None:
    if not _is_static(endpoint) or "filename" not in values or "v" in values:
        return
    path = _file_for(endpoint, values["filename"])
    if path is not None:
        values["v"] = _content_hash(str(path), os.stat(path).st_mtime_ns)


@lru_cache(maxsize=256)
def _content_hash(path: str, mtime_ns: int) -> str:
    """The first 12 hex digits of the file's SHA-256; `mtime_ns` is the cache's key only."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


@lru_cache(maxsize=64)
def _gzipped(path: str, mtime_ns: int) -> bytes:
    # mtime=0: the same bytes every time, so every process serves one ETag per file version.
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


def _compress_and_cache(response: Response) -> Response:
    if not _is_static(request.endpoint) or response.status_code != 200:
        return response
    path = _file_for(request.endpoint, (request.view_args or {}).get("filename", ""))
    if path is None:
        return response
    stat = path.stat()
    mtime_ns = stat.st_mtime_ns
    if request.args.get("v") == _content_hash(str(path), mtime_ns):
        response.cache_control.no_cache = None  # send_file's default would defeat the year
        response.cache_control.public = True
        response.cache_control.max_age = YEAR_SECONDS
        response.cache_control.immutable = True
    if (
        response.mimetype not in COMPRESSIBLE
        or request.range is not None
        or "Content-Encoding" in response.headers
        or stat.st_size < MIN_COMPRESS_BYTES
    ):
        return response
    response.vary.add("Accept-Encoding")
    if request.accept_encodings["gzip"] <= 0:
        return response
    body = _gzipped(str(path), mtime_ns)
    response.direct_passthrough = False
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.headers.pop("Accept-Ranges", None)
    if etag := response.get_etag()[0]:
        response.set_etag(f"{etag}-gzip")
    return response
