"""Resolve the whole company database: find pairs that may be one company, queue or merge.

For old data, data imported before the matcher knew a word, or after the thresholds
changed (`crm dedupe`). Blocking on the match keys (crm.services.matching) keeps the work
proportional to the data: only companies sharing a key are compared — the same trade name
and industry words (cp), a trade name without industry words against every company with
that trade name (tn × tp), a phone, website or e-mail domain held by at most
`matching.shared_key_limit` companies. Each pair is judged by matching.compare, the one
definition of "same company". Pairs in the review band, and in the link band unless
`auto_merge`, become open review items; with `auto_merge` each cluster of link-band pairs
is merged into its oldest company (crm.services.merging, undoable). Pairs a person already
decided are left alone, so running it twice adds nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.models import Company, CompanyAlias, CompanyMatchKey, ReviewItem
from crm.services import bulk, matching, merging, writing_turn
from crm.services.matching import MatchSettings

PAIR_CHUNK = 50_000


@dataclass
class DedupeReport:
    """What a dedupe run found and did."""

    companies: int = 0
    indexed: int = 0  # companies given keys: none yet (older data), or built by older rules
    pairs: int = 0
    link_pairs: int = 0
    review_pairs: int = 0
    known_different: int = 0
    review_added: int = 0
    merged: int = 0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _blocks(session: Session, kinds: tuple[str, ...]) -> Iterator[tuple[str, str, list[int]]]:
    stmt = (select(CompanyMatchKey.kind, CompanyMatchKey.key, CompanyMatchKey.company_id)
            .where(CompanyMatchKey.kind.in_(kinds))
            .order_by(CompanyMatchKey.kind, CompanyMatchKey.key)
            .execution_options(yield_per=20_000))
    rows = session.execute(stmt)
    for (kind, key), group in groupby(rows, key=lambda r: (r[0], r[1])):
        yield kind, key, [r[2] for r in group]


def candidate_pairs(session: Session, cfg: MatchSettings
                    ) -> tuple[Iterator[tuple[int, int]], set[tuple[str, str]]]:
    """Pairs of companies sharing a usable key (low id first), and the keys too common to use.

    The pairs come as a generator; the too-common set is complete once it is exhausted.
    """
    common: set[tuple[str, str]] = set()

    def pairs() -> Iterator[tuple[int, int]]:
        trade_only: dict[str, list[int]] = {}
        for kind, key, ids in _blocks(session, ("tn",)):
            trade_only[key] = ids
        for kind, key, ids in _blocks(session, ("cp", "mail", "tel", "ta", "tp", "web")):
            limit = cfg.shared_key_limit if kind in matching.STRONG_KINDS else cfg.name_block_limit
            if len(ids) > limit:
                if kind in matching.STRONG_KINDS:
                    common.add((kind, key))
                continue
            if kind == "tp":
                lonely = trade_only.get(key)
                if lonely:
                    for a in lonely:
                        for b in ids:
                            if a != b:
                                yield (a, b) if a < b else (b, a)
                continue
            if len(ids) < 2:
                continue
            ids = sorted(ids)
            for i, a in enumerate(ids):
                for b in ids[i + 1:]:
                    yield a, b

    return pairs(), common


@bulk.collecting_rarely()
def dedupe(session: Session, *, auto_merge: bool = False,
           progress: Callable[[int, int], None] | None = None,
           pair_chunk: int = PAIR_CHUNK) -> DedupeReport:
    """Compare every pair of companies sharing a key; queue (or merge) the likely duplicates."""
    writing_turn.take(session)  # no import changes the companies while they are compared
    cfg = MatchSettings.load(session)
    indexed = matching.backfill(session, rebuild=matching.keys_outdated(session))
    report = DedupeReport(indexed=indexed, companies=session.scalar(
        select(func.count()).select_from(Company).where(Company.merged_into_id.is_(None))) or 0)
    total = session.scalar(select(func.count()).select_from(CompanyMatchKey)) or 0
    generator, common = candidate_pairs(session, cfg)
    seen: set[tuple[int, int]] = set()
    buffer: list[tuple[int, int]] = []
    links: list[tuple[int, int, float]] = []
    # The key rows are read through a cursor; pairs are scored in chunks as they come.
    for pair in generator:
        if pair in seen:
            continue
        seen.add(pair)
        buffer.append(pair)
        if len(buffer) >= pair_chunk:
            _score(session, buffer, cfg, common, report, links, auto_merge)
            buffer = []
            if progress is not None:
                progress(min(report.pairs, total), max(total, report.pairs))
    if buffer:
        _score(session, buffer, cfg, common, report, links, auto_merge)
    if auto_merge and links:
        report.merged = _merge_clusters(session, links)
    if progress is not None:
        progress(max(total, report.pairs), max(total, report.pairs))
    return report


def _score(session: Session, pairs: list[tuple[int, int]], cfg: MatchSettings,
           common: set[tuple[str, str]], report: DedupeReport,
           links: list[tuple[int, int, float]], auto_merge: bool) -> None:
    ids = {i for pair in pairs for i in pair}
    profiles = matching.company_profiles(session, ids)
    merged_away = _merged_away(session, ids)
    different = matching.non_matches(session, ids)
    known = _known_reviews(session, ids)
    new_items = []
    for a, b in pairs:
        if a in merged_away or b in merged_away or a not in profiles or b not in profiles:
            continue
        report.pairs += 1
        if (a, b) in different:
            report.known_different += 1
            continue
        pa, pb = profiles[a], profiles[b]
        shared = (pa.strong & pb.strong) - common
        verdict = matching.compare(pa, pb, cfg, shared=shared)
        if verdict.band == "new":
            continue
        if verdict.band == "link":
            report.link_pairs += 1
            if auto_merge and not matching.by_sound_alone(verdict):
                links.append((a, b, verdict.score))
                continue
        else:
            report.review_pairs += 1
        if (a, b) in known:
            continue
        known.add((a, b))
        new_items.append({"company_a_id": a, "company_b_id": b, "score": verdict.score,
                          "evidence": verdict.evidence, "status": "open", "source": "dedupe",
                          "created_at": utcnow()})
    if new_items:
        session.connection().execute(insert(ReviewItem.__table__), new_items)
        report.review_added += len(new_items)


def _merged_away(session: Session, ids: set[int]) -> set[int]:
    out: set[int] = set()
    for chunk in matching._chunks(sorted(ids), 900):
        out.update(session.scalars(select(Company.id).where(
            Company.id.in_(chunk), Company.merged_into_id.is_not(None))))
    return out


def _known_reviews(session: Session, ids: set[int]) -> set[tuple[int, int]]:
    known: set[tuple[int, int]] = set()
    for chunk in matching._chunks(sorted(ids), 900):
        known.update(tuple(r) for r in session.execute(
            select(ReviewItem.company_a_id, ReviewItem.company_b_id)
            .where(ReviewItem.company_a_id.in_(chunk))))
    return known


def _merge_clusters(session: Session, links: list[tuple[int, int, float]]) -> int:
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for a, b, _score in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    merged = 0
    for member in sorted(parent):
        survivor = root(member)
        if survivor != member:
            merging.merge(session, survivor, member)
            merged += 1
    return merged


# --- export -----------------------------------------------------------------------------

def export_rows(session: Session, chunk: int = 2000) -> Iterator[dict[str, Any]]:
    """Every company with its id, names and all aliases, by id (for `crm companies export`)."""
    last = 0
    while True:
        rows = session.execute(
            select(Company.id, Company.name_zh, Company.name_en, Company.credit_code,
                   Company.website_domain, Company.merged_into_id)
            .where(Company.id > last).order_by(Company.id).limit(chunk)).all()
        if not rows:
            return
        ids = [r[0] for r in rows]
        aliases: dict[int, list[str]] = {i: [] for i in ids}
        for cid, name in session.execute(select(CompanyAlias.company_id, CompanyAlias.name)
                                         .where(CompanyAlias.company_id.in_(ids))
                                         .order_by(CompanyAlias.id)):
            if name not in aliases[cid]:
                aliases[cid].append(name)
        for cid, zh, en, code, domain, merged_into in rows:
            yield {"id": cid, "name_zh": zh or "", "name_en": en or "",
                   "aliases": "; ".join(a for a in aliases[cid] if a not in (zh, en)),
                   "credit_code": code or "", "website_domain": domain or "",
                   "merged_into_id": merged_into or ""}
        last = ids[-1]
