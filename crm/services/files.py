"""Store uploaded files: check type and size, keep the bytes once, remember who sent what.

Every feature that takes files (visit reports, design requests and proposals, intelligence
from the field) stores them through `store`, so the size limit, the type check and the
on-disk layout are in one place. The type is read from the file's first bytes, not trusted
from its name or the browser. The bytes are written under the upload folder, named by their
SHA-256 (the same photo sent twice is kept once), via a temporary file renamed into place,
so a failed upload leaves nothing half-written.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.models import StoredFile, User
from crm.services.errors import N_, DomainError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_READ = 1024 * 1024


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str
    group: str  # "image", "document", "spreadsheet", "drawing", "archive"


JPEG = FileType("jpg", "image/jpeg", "image")
PNG = FileType("png", "image/png", "image")
WEBP = FileType("webp", "image/webp", "image")
GIF = FileType("gif", "image/gif", "image")
HEIC = FileType("heic", "image/heic", "image")
PDF = FileType("pdf", "application/pdf", "document")
DOCX = FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "document")
PPTX = FileType("pptx",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "document")
XLSX = FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "spreadsheet")
OLE = FileType("xls", "application/vnd.ms-excel", "spreadsheet")  # also old .doc/.ppt
CSV = FileType("csv", "text/csv", "spreadsheet")
DWG = FileType("dwg", "image/vnd.dwg", "drawing")
ZIP = FileType("zip", "application/zip", "archive")

IMAGES = frozenset({"image"})
ANY_BUSINESS_FILE = frozenset({"image", "document", "spreadsheet", "drawing", "archive"})


class FileRefused(DomainError):
    """An upload was refused (too big, empty, or not a kind of file this form takes).

    The message goes on the form field named by `field` (see crm/web/forms.apply_errors).
    """

    status = 422
    code = "validation"

    def __init__(self, field: str, message: str, **params) -> None:
        super().__init__(message, field=field, **params)


def sniff(head: bytes, filename: str) -> FileType | None:
    """Tell the file's type from its first bytes (the name only separates zip formats)."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return HEIC
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    if head[:4] == b"AC10" and head[4:6].isdigit():
        return DWG
    if head.startswith(b"PK\x03\x04"):
        return None  # decided by `_zip_type` from the archive's contents
    if filename.lower().endswith(".csv") and _looks_like_text(head):
        return CSV
    return None


def _looks_like_text(head: bytes) -> bool:
    return b"\x00" not in head[:4096]


def _zip_type(path: Path) -> FileType | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    if "ppt/presentation.xml" in names:
        return PPTX
    return ZIP


def store(session: Session, user: User | None, stream: BinaryIO, filename: str, *,
          folder: str | Path, accept: Iterable[str] = ANY_BUSINESS_FILE,
          max_bytes: int = DEFAULT_MAX_BYTES, field: str = "file") -> StoredFile:
    """Check and keep one upload; return its StoredFile row (added to the session).

    `accept` names the groups of types the form takes (IMAGES, ANY_BUSINESS_FILE);
    `field` is the form field named in the error. Raises FileRefused, leaving nothing.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = _clean_name(filename)
    tmp_path, size, digest, head = _spool(stream, folder, max_bytes, name, field)
    try:
        kind = sniff(head, name) or (_zip_type(tmp_path) if head.startswith(b"PK") else None)
        if kind is None or kind.group not in set(accept):
            raise FileRefused(field, N_("%(name)s is not a kind of file this form takes."),
                              name=name)
        key = f"{digest[:2]}/{digest[2:4]}/{digest}.{kind.extension}"
        target = folder / key
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
    row = StoredFile(sha256=digest, size=size, content_type=kind.content_type,
                     original_name=name, storage_key=key,
                     uploaded_by_id=user.id if user is not None else None)
    session.add(row)
    session.flush()
    return row


def store_all(session: Session, user: User | None, uploads: Iterable[tuple[BinaryIO, str]], *,
              folder: str | Path, max_bytes: int = DEFAULT_MAX_BYTES, field: str = "files",
              accept: Iterable[str] = ANY_BUSINESS_FILE) -> list[StoredFile]:
    """Store several uploads of one form: all or none.

    When one is refused, the bytes the earlier ones wrote are removed again unless another
    stored file shares them (the caller rolls the rows back), so nothing is kept.
    """
    stored: list[StoredFile] = []
    try:
        for stream, filename in uploads:
            stored.append(store(session, user, stream, filename, folder=folder,
                                      accept=accept, max_bytes=max_bytes, field=field))
    except FileRefused:
        ours = [row.id for row in stored]
        for row in stored:
            shared = session.scalar(select(func.count(StoredFile.id)).where(
                StoredFile.storage_key == row.storage_key, StoredFile.id.not_in(ours)))
            if not shared:
                path_of(row, folder).unlink(missing_ok=True)
        raise
    return stored


def _spool(stream: BinaryIO, folder: Path, max_bytes: int, name: str,
           field: str) -> tuple[Path, int, str, bytes]:
    """Copy the upload to a temporary file in `folder`, hashing it and stopping at the limit."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    tmp_path = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(_READ):
                size += len(chunk)
                if size > max_bytes:
                    raise FileRefused(field, N_("%(name)s is larger than %(limit)s MB."),
                                      name=name, limit=_megabytes(max_bytes))
                if len(head) < 4096:
                    head += chunk[:4096 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise FileRefused(field, N_("%(name)s is empty."), name=name)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return tmp_path, size, digest.hexdigest(), head


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g}"


def _clean_name(filename: str | None) -> str:
    """The name to show: the last path part as sent, without control characters."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:255] or "upload"


def path_of(stored: StoredFile, folder: str | Path) -> Path:
    """Where the bytes of a stored file are."""
    return Path(folder) / stored.storage_key
