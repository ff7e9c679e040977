"""Stored files: photos, floor plans, exhibitor lists, design briefs and proposals.

The bytes live under the configured upload folder, named by their SHA-256, so the same
file uploaded twice is stored once; a row here says what it was called and who sent it.
Features link files to their records through their own link tables (with a `kind`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, utcnow


class StoredFile(Base):
    """One upload: its name as sent, its checked type and size, and where the bytes are."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(255))
    # Path under the upload folder, e.g. "ab/cd/abcd…ef.jpg".
    storage_key: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by = relationship("User")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
