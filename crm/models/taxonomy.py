"""Reference data the business edits: the industry taxonomy."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base


class Industry(Base):
    """行业: an industry of the taxonomy (汽车, 印刷包装, 通信信息, 房地产 …)."""

    __tablename__ = "industries"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"))
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Industry | None] = relationship(remote_side=[id])

    def __str__(self) -> str:
        return self.name_zh
