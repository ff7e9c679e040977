"""Uploads in forms and downloads of stored files, for the design, intel and other pages."""
from __future__ import annotations

from flask import current_app, render_template, send_file
from flask_babel import gettext as _

from crm.models import StoredFile
from crm.services import files


def folder() -> str:
    return current_app.config["UPLOAD_FOLDER"]


def max_file_bytes() -> int:
    """The per-file limit (config UPLOAD_MAX_FILE_BYTES, else the service's default)."""
    return int(current_app.config.get("UPLOAD_MAX_FILE_BYTES") or files.DEFAULT_MAX_BYTES)


def max_mb() -> str:
    return f"{max_file_bytes() / (1024 * 1024):g}"


def from_field(field) -> list[tuple]:
    """The (stream, filename) pairs a MultipleFileField received, empty inputs left out."""
    return [(f.stream, f.filename) for f in (field.data or [])
            if f is not None and getattr(f, "filename", None)]


def download(stored: StoredFile):
    """Send a stored file: images inline, everything else as an attachment."""
    path = files.path_of(stored, folder())
    if not path.is_file():
        return render_template("errors/error.html", status=404,
                               message=_("The file is missing from the storage.")), 404
    response = send_file(path, mimetype=stored.content_type, download_name=stored.original_name,
                         as_attachment=not stored.is_image, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
