"""Read a record's change history back from the audit log, for its page."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from crm.models import AuditEntry

LIMIT = 100


def entries(session: Session, *targets: tuple[str, int | Iterable[int] | ColumnElement],
            limit: int = LIMIT) -> list[AuditEntry]:
    """Return the latest audit entries of the given (table name, id or ids) pairs."""
    conditions = []
    for entity, ids in targets:
        if isinstance(ids, int):
            conditions.append(and_(AuditEntry.entity == entity, AuditEntry.entity_id == ids))
        elif isinstance(ids, ColumnElement) or hasattr(ids, "subquery"):
            conditions.append(and_(AuditEntry.entity == entity, AuditEntry.entity_id.in_(ids)))
        else:
            ids = list(ids)
            if ids:
                conditions.append(and_(AuditEntry.entity == entity, AuditEntry.entity_id.in_(ids)))
    if not conditions:
        return []
    return list(session.scalars(
        select(AuditEntry).where(or_(*conditions)).options(selectinload(AuditEntry.user))
        .order_by(AuditEntry.id.desc()).limit(limit)))
