"""What the web import screens keep between steps: saved column mappings and batch reports.

导入向导: the wizard's mapping is saved per organizer (in the settings table) and offered
again for that organizer's next catalogue; a finished batch's audit trail is rebuilt from
its row results for download. The import itself is crm.services.ingest.import_file.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.models import AuditEntry, ImportBatch, ImportRowResult, Setting
from crm.services.ingest import IngestReport, RowOutcome
from crm.services.paging import Page

MAPPING_KEY = "import_mapping:{}"


def mapping_key(organizer_id: int | None, kind: str = "catalogue") -> str:
    """The settings key of the mapping saved for an organizer (or the default one)."""
    key = MAPPING_KEY.format(organizer_id or "default")
    return key if kind == "catalogue" else f"{key}:{kind}"


def saved_mapping(session: Session, organizer_id: int | None,
                  kind: str = "catalogue") -> dict[str, str] | None:
    """The mapping (field → header text) last used for this organizer, else the default."""
    for key in dict.fromkeys([mapping_key(organizer_id, kind), mapping_key(None, kind)]):
        row = session.get(Setting, key)
        if row is not None and isinstance(row.value, dict):
            return {str(k): str(v) for k, v in row.value.items() if v}
    return None


def save_mapping(session: Session, organizer_id: int | None, mapping: dict[str, str | None], *,
                 kind: str = "catalogue", user_id: int | None = None) -> None:
    """Remember a mapping for the organizer's next import (and as the default)."""
    value = {k: v for k, v in mapping.items() if v}
    for key in dict.fromkeys([mapping_key(organizer_id, kind), mapping_key(None, kind)]):
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=value, updated_by_id=user_id))
        else:
            row.value = value
            row.updated_by_id = user_id
    session.flush()


def batches(session: Session, page: int = 1, per_page: int = 50) -> Page[ImportBatch]:
    """Past imports, newest first."""
    total = session.scalar(select(func.count()).select_from(ImportBatch)) or 0
    items = list(session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())
                                 .limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total, total_is_capped=False)


def batch_report(session: Session, batch_id: int) -> IngestReport:
    """Rebuild a batch's report (one outcome per input row) from its stored row results."""
    batch = session.get(ImportBatch, batch_id)
    report = IngestReport(batch_id=batch_id, exhibition_id=batch.exhibition_id if batch else None)
    for r in session.scalars(select(ImportRowResult).where(ImportRowResult.batch_id == batch_id)
                             .order_by(ImportRowResult.row, ImportRowResult.id)):
        score: Any = None if r.score is None else float(r.score)
        report.outcomes.append(RowOutcome(r.row, r.action, r.company_id, r.candidate_id, score,
                                          r.name, r.sheet, r.column, r.message))
    return report


def revert_outcome(session: Session, batch_id: int) -> dict[str, Any] | None:
    """What reverting the batch did (companies removed and kept, facts removed), from the
    audit log; None while it was not reverted."""
    return session.scalars(select(AuditEntry.after).where(
        AuditEntry.entity == "import_batches", AuditEntry.entity_id == batch_id,
        AuditEntry.action == "revert").order_by(AuditEntry.id.desc()).limit(1)).first()
