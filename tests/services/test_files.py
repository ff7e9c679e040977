"""Stored uploads: the type from the bytes, the size limit, one copy per content."""
from __future__ import annotations

import io
import zipfile

import pytest

from crm.services import files

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF_BYTES = b"%PDF-1.7\n%test\n"


def _xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("[Content_Types].xml", "<Types/>")
    return out.getvalue()


def test_a_photo_is_stored_once_under_its_hash(session, make_user, tmp_path):
    user = make_user("executor", "exec1")
    first = files.store(session, user, io.BytesIO(PNG_BYTES), "C:\\photos\\展台.png", folder=tmp_path,
                        accept=files.IMAGES)
    again = files.store(session, user, io.BytesIO(PNG_BYTES), "copy.png", folder=tmp_path)
    assert first.content_type == "image/png" and first.original_name == "展台.png"
    assert first.size == len(PNG_BYTES) and first.uploaded_by_id == user.id
    assert first.storage_key == again.storage_key and first.id != again.id
    assert files.path_of(first, tmp_path).read_bytes() == PNG_BYTES
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".upload-")] == []


def test_type_comes_from_the_bytes_not_the_name(session, tmp_path):
    with pytest.raises(files.FileRefused) as refused:
        files.store(session, None, io.BytesIO(PDF_BYTES), "floorplan.png", folder=tmp_path,
                    accept=files.IMAGES, field="photos")
    assert refused.value.field == "photos" and "floorplan.png" in str(refused.value)
    pdf = files.store(session, None, io.BytesIO(PDF_BYTES), "floorplan.png", folder=tmp_path)
    assert pdf.content_type == "application/pdf" and pdf.storage_key.endswith(".pdf")
    sheet = files.store(session, None, io.BytesIO(_xlsx()), "展商名录.xlsx", folder=tmp_path)
    assert sheet.storage_key.endswith(".xlsx")
    with pytest.raises(files.FileRefused):
        files.store(session, None, io.BytesIO(b"MZ\x90\x00 an exe"), "list.xlsx", folder=tmp_path)


def test_too_big_or_empty_is_refused_and_leaves_nothing(session, tmp_path):
    with pytest.raises(files.FileRefused) as refused:
        files.store(session, None, io.BytesIO(PNG_BYTES + b"\x00" * 2048), "big.png",
                    folder=tmp_path, max_bytes=1024)
    assert "big.png" in str(refused.value) and "MB" in str(refused.value)
    with pytest.raises(files.FileRefused, match="empty"):
        files.store(session, None, io.BytesIO(b""), "empty.png", folder=tmp_path)
    assert list(tmp_path.rglob("*")) == []
