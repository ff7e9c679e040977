"""Merging two records of one company keeps everything and can be undone exactly."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.models import (
    AuditEntry, Company, CompanyAlias, CompanyEmail, CompanyKindLink, CompanyPhone, Contact,
    CompanyMatchKey, NonMatch, Participation, ReviewItem,
)
from crm.services import matching, merging
from crm.services.errors import Conflict, ValidationFailed
from tests import factories


def snapshot(session, *company_ids):
    """Everything hanging off these companies, as plain tuples."""
    session.flush()
    session.expire_all()
    out = {}
    for model, cols in ((CompanyAlias, ("id", "company_id", "name", "source")),
                        (CompanyPhone, ("id", "company_id", "e164", "extension", "source")),
                        (CompanyEmail, ("id", "company_id", "email")),
                        (Contact, ("id", "company_id", "name", "mobile_e164")),
                        (Participation, ("id", "company_id", "exhibition_id", "booth_no")),
                        (CompanyKindLink, ("company_id", "kind")),
                        (CompanyMatchKey, ("company_id", "kind", "key"))):
        rows = session.execute(select(*[getattr(model, c) for c in cols])
                               .where(model.company_id.in_(company_ids))).all()
        out[model.__tablename__] = sorted(tuple(r) for r in rows)
    for cid in company_ids:
        c = session.get(Company, cid)
        out[f"company{cid}"] = (c.name_zh, c.name_en, c.credit_code, c.website, c.city,
                                c.merged_into_id, sorted(c.kind_values))
    return out


@pytest.fixture()
def pair(session):
    show = factories.exhibition(session)
    older = factories.company(session, "上海瑞丰汽车零部件有限公司", phones=["021-58881234"],
                              city="上海")
    newer = factories.company(session, None, name_en="Shanghai Ruifeng Auto Parts Co., Ltd.",
                              credit_code="91310115MA1H7GXQ5L", website="www.ruifeng-auto.com",
                              phones=["021-58881234", "13812345678"],
                              emails=["sales@ruifeng-auto.com"], kinds=["exhibitor", "agent"])
    factories.contact(session, newer, "王伟", mobile_e164="+8613900001111")
    factories.participation(session, older, show, booth_no="A1")
    factories.participation(session, newer, show, booth_no="A1")  # the same booth, twice
    factories.participation(session, newer, show, booth_no="B2")
    builder_show = factories.exhibition(session, "另一个展", 2024)
    booth = factories.participation(session, factories.company(session, "深圳某某展览有限公司"),
                                    builder_show, booth_no="C3", builder_id=newer.id)
    return older, newer, booth


def test_merge_keeps_every_name_fact_and_reference(session, pair):
    older, newer, built = pair
    record = merging.merge(session, older.id, newer.id)
    session.expire_all()
    assert newer.merged_into_id == older.id
    names = {a.name for a in older.aliases}
    assert "Shanghai Ruifeng Auto Parts Co., Ltd." in names
    assert older.name_en == "Shanghai Ruifeng Auto Parts Co., Ltd."  # a blank filled
    assert older.credit_code == "91310115MA1H7GXQ5L" and newer.credit_code is None
    assert older.website_domain == "ruifeng-auto.com"
    assert sorted(p.e164 for p in older.phones) == ["+8613812345678", "+862158881234"]
    assert [e.email for e in older.emails] == ["sales@ruifeng-auto.com"]
    assert [c.name for c in older.contacts] == ["王伟"]
    booths = session.scalars(select(Participation.booth_no).where(
        Participation.company_id == older.id).order_by(Participation.booth_no)).all()
    assert booths == ["A1", "B2"]  # the duplicate booth is listed once
    assert set(older.kind_values) == {"exhibitor", "agent"}
    assert session.get(Participation, built.id).builder_id == older.id
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "merge")) == 2
    # The merged record is out of the matching: nothing finds it any more.
    assert not session.scalars(select(CompanyMatchKey).where(
        CompanyMatchKey.company_id == newer.id)).all()
    assert record.moved["participations"]


def test_undo_restores_everything_exactly(session, pair):
    older, newer, built = pair
    before = snapshot(session, older.id, newer.id)
    record = merging.merge(session, older.id, newer.id)
    merging.undo_merge(session, record.id)
    assert snapshot(session, older.id, newer.id) == before
    assert session.get(Participation, built.id).builder_id == newer.id
    with pytest.raises(Conflict):
        merging.undo_merge(session, record.id)


def test_a_merged_company_cannot_be_merged_again(session, pair):
    older, newer, _ = pair
    merging.merge(session, older.id, newer.id)
    other = factories.company(session, "杭州宏瑞包装材料有限公司")
    with pytest.raises(merging.AlreadyMerged):
        merging.merge(session, other.id, newer.id)
    with pytest.raises(ValidationFailed):
        merging.merge(session, other.id, other.id)


def test_undo_waits_for_a_later_merge_to_be_undone(session, pair):
    older, newer, _ = pair
    first = merging.merge(session, older.id, newer.id)
    third = factories.company(session, "瑞丰汽车零部件（上海）有限公司")
    second = merging.merge(session, third.id, older.id)
    with pytest.raises(Conflict):
        merging.undo_merge(session, first.id)
    merging.undo_merge(session, second.id)
    merging.undo_merge(session, first.id)
    session.expire_all()
    assert older.merged_into_id is None and newer.merged_into_id is None


def test_marked_different_is_remembered_and_never_proposed(session):
    a = factories.company(session, "上海瑞丰汽车零部件有限公司")
    b = factories.company(session, "上海瑞峰汽车零部件有限公司")
    item = ReviewItem(company_a_id=a.id, company_b_id=b.id, score=85, evidence={})
    session.add(item)
    session.flush()
    manager = factories.user(session, "general_manager")
    merging.decide(session, item.id, "different", user=manager)
    assert item.status == "different" and item.decided_by_id == manager.id
    assert session.scalars(select(NonMatch)).one().company_a_id == min(a.id, b.id)
    cfg = matching.MatchSettings.load(session)
    pa, pb = matching.stored_profiles(session, [a.id, b.id]).values()
    assert matching.compare(pa, pb, cfg, different=True).band == "new"


def test_decide_merge_through_the_review_queue(session):
    manager = factories.user(session, "general_manager")
    a = factories.company(session, "上海瑞丰汽车零部件有限公司")
    b = factories.company(session, "上海瑞峰汽车零部件有限公司")
    item = ReviewItem(company_a_id=a.id, company_b_id=b.id, score=85, evidence={})
    session.add(item)
    session.flush()
    page = merging.review_queue(session, manager)
    assert [i.id for i in page.items] == [item.id]
    record = merging.decide(session, item.id, "merge", user=manager, survivor_id=b.id)
    assert (record.survivor_id, record.merged_id) == (b.id, a.id)
    assert item.status == "merged"
    assert merging.review_queue(session, manager).items == []
    designer = factories.user(session, "designer")
    other = ReviewItem(company_a_id=b.id, company_b_id=factories.company(session).id, score=80)
    session.add(other)
    session.flush()
    with pytest.raises(Exception):
        merging.decide(session, other.id, "merge", user=designer)
