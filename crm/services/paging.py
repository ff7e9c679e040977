"""Pagination with a bounded count, so a list over a million rows stays fast."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
COUNT_CAP = 10_000


@dataclass
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int
    total_is_capped: bool

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def paginate(session: Session, stmt: Select[Any], page: int, per_page: int) -> Page[Any]:
    """Return one page of `stmt` and its row count (counted up to COUNT_CAP)."""
    page = max(1, page)
    per_page = max(1, min(per_page, 500))
    capped = stmt.order_by(None).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, page, per_page, min(total, COUNT_CAP), total > COUNT_CAP)
