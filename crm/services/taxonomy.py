"""Edit the industry taxonomy (行业分类): codes, names, parents, order, active flag.

Industries are deactivated, never deleted: companies and shows keep pointing at them.
Seeding from data/industries.yaml lives in crm.services.reference.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.models import Industry
from crm.services.errors import Conflict, DomainError, N_, NotFound, ValidationFailed

CODE_MAX, NAME_MAX = 40, 100


@dataclass
class IndustryData:
    """The editable fields of an industry, as plain values."""

    code: str = ""
    name_zh: str = ""
    name_en: str | None = None
    parent_id: int | None = None
    sort_order: int = 0
    active: bool = True


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(str(value).split())
    return value or None


def tree(session: Session) -> list[tuple[Industry, int]]:
    """Return every industry with its depth, each parent followed by its children."""
    rows = list(session.scalars(select(Industry).order_by(Industry.sort_order, Industry.name_zh)))
    children: dict[int | None, list[Industry]] = {}
    ids = {row.id for row in rows}
    for row in rows:
        parent = row.parent_id if row.parent_id in ids else None
        children.setdefault(parent, []).append(row)
    out: list[tuple[Industry, int]] = []
    seen: set[int] = set()

    def walk(parent_id: int | None, depth: int) -> None:
        for row in children.get(parent_id, []):
            if row.id in seen:
                continue
            seen.add(row.id)
            out.append((row, depth))
            walk(row.id, depth + 1)

    walk(None, 0)
    # A cycle written straight into the database would hide rows; show them anyway.
    out.extend((row, 0) for row in rows if row.id not in seen)
    return out


def get(session: Session, industry_id: int) -> Industry:
    industry = session.get(Industry, industry_id)
    if industry is None:
        raise NotFound(N_("No such industry."))
    return industry


def validate(session: Session, data: IndustryData, industry_id: int | None = None) -> IndustryData:
    """Clean the fields and check every rule; raise naming the bad field."""
    errors: dict[str, list[str]] = {}
    data.code = (data.code or "").strip()
    data.name_zh = _clean(data.name_zh) or ""
    data.name_en = _clean(data.name_en)
    if not data.code:
        errors["code"] = [N_("Give a code.")]
    elif len(data.code) > CODE_MAX or any(ch.isspace() for ch in data.code):
        errors["code"] = [N_("Use at most 40 characters without spaces.")]
    if not data.name_zh:
        errors["name_zh"] = [N_("Give the Chinese name.")]
    for attr in ("name_zh", "name_en"):
        if len(getattr(data, attr) or "") > NAME_MAX:
            errors[attr] = [N_("At most 100 characters.")]
    if data.sort_order is None:
        data.sort_order = 0
    if data.parent_id is not None:
        if industry_id is not None and data.parent_id == industry_id:
            errors["parent_id"] = [N_("An industry cannot be its own parent.")]
        elif session.get(Industry, data.parent_id) is None:
            errors["parent_id"] = [N_("No such industry.")]
        elif industry_id is not None and industry_id in _ancestor_ids(session, data.parent_id):
            errors["parent_id"] = [N_("That industry is below this one; the tree would loop.")]
    if errors:
        raise ValidationFailed(errors)
    code_holder = session.scalars(
        select(Industry).where(func.lower(Industry.code) == data.code.lower())).first()
    if code_holder is not None and code_holder.id != industry_id:
        raise Conflict(N_("The code %(code)s already belongs to the industry %(name)s."),
                       field="code", code=code_holder.code, name=code_holder.name_zh)
    name_holder = session.scalars(select(Industry).where(Industry.name_zh == data.name_zh)).first()
    if name_holder is not None and name_holder.id != industry_id:
        raise Conflict(N_("The industry %(name)s already exists (code %(code)s)."),
                       field="name_zh", name=name_holder.name_zh, code=name_holder.code)
    return data


def _ancestor_ids(session: Session, industry_id: int) -> set[int]:
    found: set[int] = set()
    current: int | None = industry_id
    while current is not None and current not in found:
        found.add(current)
        current = session.scalar(select(Industry.parent_id).where(Industry.id == current))
    return found


def create(session: Session, data: IndustryData) -> Industry:
    data = validate(session, data)
    industry = Industry()
    _apply(industry, data)
    session.add(industry)
    session.flush()
    return industry


def update(session: Session, industry: Industry, data: IndustryData) -> Industry:
    data = validate(session, data, industry.id)
    if industry.active and not data.active:
        _check_may_deactivate(session, industry)
    _apply(industry, data)
    session.flush()
    return industry


def deactivate(session: Session, industry: Industry) -> None:
    """Hide the industry from pickers; records already filed under it keep it."""
    _check_may_deactivate(session, industry)
    industry.active = False
    session.flush()


def _check_may_deactivate(session: Session, industry: Industry) -> None:
    active_children = session.scalars(
        select(Industry.name_zh).where(Industry.parent_id == industry.id,
                                       Industry.active.is_(True))
        .order_by(Industry.sort_order, Industry.name_zh)).all()
    if active_children:
        raise DomainError(N_("Deactivate its sub-industries first: %(names)s."), field="active",
                          names="、".join(active_children))


def _apply(industry: Industry, data: IndustryData) -> None:
    industry.code = data.code
    industry.name_zh = data.name_zh
    industry.name_en = data.name_en
    industry.parent_id = data.parent_id
    industry.sort_order = data.sort_order
    industry.active = data.active


def data_of(industry: Industry) -> IndustryData:
    return IndustryData(code=industry.code, name_zh=industry.name_zh, name_en=industry.name_en,
                        parent_id=industry.parent_id, sort_order=industry.sort_order,
                        active=industry.active)
