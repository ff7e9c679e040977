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


def paginate(session: Session, stmt: Select[Any], page: int, per_page: int, *,
             total: int | None = None, total_is_capped: bool = False) -> Page[Any]:
    """Return one page of `stmt` and its row count (counted up to COUNT_CAP).

    A caller that knows the count already (see `page_of_ids`) passes it as `total`.
    """
    page = max(1, page)
    per_page = max(1, min(per_page, 500))
    if total is None:
        total, total_is_capped = count_capped(session, stmt)
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, page, per_page, total, total_is_capped)


def count_capped(session: Session, stmt: Select[Any]) -> tuple[int, bool]:
    """Count the rows of `stmt` up to COUNT_CAP; tell whether there are more."""
    capped = stmt.order_by(None).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    return min(total, COUNT_CAP), total > COUNT_CAP


def page_of_ids(session: Session, stmt: Select[Any], id_column: Any, ids: list[Any], page: int,
                per_page: int) -> Page[Any]:
    """Return one page of rows given all their ids in display order (up to COUNT_CAP + 1).

    When the ids are cheap to get (a search reads them from its index), counting them and
    slicing out the page is cheaper than counting and paging the full statement in SQL.
    """
    page = max(1, page)
    per_page = max(1, min(per_page, 500))
    window = ids[(page - 1) * per_page:page * per_page]
    found = {}
    if window:
        for row in session.scalars(stmt.where(id_column.in_(window))):
            found[getattr(row, id_column.key)] = row
    items = [found[i] for i in window if i in found]
    return Page(items, page, per_page, min(len(ids), COUNT_CAP), len(ids) > COUNT_CAP)
