"""The whole-database dedupe: fills the review queue, merges when asked, idempotent."""
from __future__ import annotations

from sqlalchemy import func, select

from crm.models import Company, ReviewItem
from crm.services import dedupe, merging
from tests import factories


def open_pairs(session):
    return {(i.company_a_id, i.company_b_id, i.status)
            for i in session.scalars(select(ReviewItem))}


def test_dedupe_queues_likely_pairs_and_is_idempotent(session):
    a = factories.company(session, "上海瑞丰汽车零部件有限公司")
    b = factories.company(session, None, name_en="Shanghai Ruifeng Auto Parts Co., Ltd.")
    c = factories.company(session, "上海瑞峰汽车零部件有限公司")
    factories.company(session, "北京瑞丰汽车零部件有限公司")
    factories.company(session, "上海华恒机械有限公司")
    report = dedupe.dedupe(session)
    pairs = open_pairs(session)
    assert {(p[0], p[1]) for p in pairs} == {(a.id, b.id), (a.id, c.id), (b.id, c.id)}
    # The English name transliterates both 瑞丰 and 瑞峰, and 瑞峰 is 瑞丰 typed through
    # pinyin in the same city and trade: three link-band pairs, queued (no auto-merge).
    assert report.link_pairs == 3 and report.review_pairs == 0 and report.review_added == 3
    again = dedupe.dedupe(session)
    assert again.review_added == 0 and open_pairs(session) == pairs


def test_a_pair_marked_different_is_not_proposed_again(session):
    a = factories.company(session, "上海瑞丰汽车零部件有限公司")
    c = factories.company(session, "上海瑞峰汽车零部件有限公司")
    merging.mark_different(session, a.id, c.id)
    report = dedupe.dedupe(session)
    assert report.known_different == 1 and report.review_added == 0


def test_trade_name_without_industry_words_meets_its_namesakes(session):
    a = factories.company(session, "上海瑞丰汽车零部件有限公司")
    b = factories.company(session, "瑞丰有限公司", city="上海")
    dedupe.dedupe(session)
    assert {(i.company_a_id, i.company_b_id) for i in session.scalars(select(ReviewItem))} == {
        (a.id, b.id)}


def test_a_shared_switchboard_does_not_pair_everyone(session):
    names = ["上海华恒机械有限公司", "苏州鑫源电子有限公司", "杭州宏瑞包装材料有限公司",
             "深圳金海照明有限公司", "广州天中食品有限公司", "宁波嘉汇模具有限公司"]
    for name in names:
        factories.company(session, name, phones=["021-20205555"])
    assert dedupe.dedupe(session).pairs == 0


def test_auto_merge_folds_link_band_clusters_into_the_oldest(session):
    a = factories.company(session, "上海瑞丰汽车零部件有限公司")
    b = factories.company(session, None, name_en="Shanghai Ruifeng Auto Parts Co., Ltd.")
    d = factories.company(session, "上海瑞豐汽車零部件有限公司")
    report = dedupe.dedupe(session, auto_merge=True)
    assert report.merged == 2
    session.expire_all()
    assert session.get(Company, b.id).merged_into_id == a.id
    assert session.get(Company, d.id).merged_into_id == a.id
    assert session.scalar(select(func.count()).select_from(Company).where(
        Company.merged_into_id.is_(None), Company.id.in_([a.id, b.id, d.id]))) == 1


def test_auto_merge_leaves_a_homophone_alone_to_a_person_unless_a_key_backs_it(session):
    a = factories.company(session, "上海瑞丰汽车零部件有限公司")
    c = factories.company(session, "上海瑞峰汽车零部件有限公司")
    e = factories.company(session, "苏州恒泰电子有限公司", phones=["0512-66661234"])
    f = factories.company(session, "苏州衡泰电子有限公司", phones=["0512-66661234"])
    report = dedupe.dedupe(session, auto_merge=True)
    assert report.link_pairs == 2 and report.merged == 1
    session.expire_all()
    assert session.get(Company, f.id).merged_into_id == e.id  # the same sound and phone
    assert session.get(Company, c.id).merged_into_id is None  # the same sound alone
    assert {(p[0], p[1]) for p in open_pairs(session)} == {(a.id, c.id)}


def test_export_lists_every_company_with_its_aliases(session):
    a = factories.company(session, "上海瑞丰汽车零部件有限公司", name_en="Ruifeng Auto")
    from crm.services.companies import remember_alias
    remember_alias(a, "瑞丰汽配", "manual")
    session.flush()
    rows = {r["id"]: r for r in dedupe.export_rows(session)}
    assert rows[a.id]["aliases"] == "瑞丰汽配"
    assert rows[a.id]["name_en"] == "Ruifeng Auto"


def test_companies_without_match_keys_are_indexed_first(session):
    from crm.models import CompanyMatchKey, CompanyMatchProfile
    a = factories.company(session, "上海瑞丰汽车零部件有限公司")
    b = factories.company(session, "瑞丰汽车零部件（上海）有限公司")
    # As if both were loaded before entity resolution existed.
    for model in (CompanyMatchKey, CompanyMatchProfile):
        session.execute(model.__table__.delete().where(model.company_id.in_([a.id, b.id])))
    report = dedupe.dedupe(session)
    assert report.indexed >= 2 and report.link_pairs == 1
    assert {(i.company_a_id, i.company_b_id) for i in session.scalars(select(ReviewItem))} == {
        (a.id, b.id)}


def test_dedupe_rebuilds_keys_built_by_older_rules(session):
    from sqlalchemy import delete, select

    from crm.models import CompanyMatchKey, Setting
    from crm.services import dedupe, matching

    c = factories.company(session, "上海市上海市瑞丰汽车零部件有限公司")
    session.flush()
    # Keys as an older version stored them: the doubled place left in the trade name.
    session.execute(delete(CompanyMatchKey).where(CompanyMatchKey.company_id == c.id))
    session.add(CompanyMatchKey(kind="tp", key="shanghaishiruifeng", company_id=c.id))
    session.merge(Setting(key="internal.match_keys_version", value=1))
    session.flush()
    assert matching.keys_outdated(session)
    report = dedupe.dedupe(session)
    assert report.indexed >= 1 and not matching.keys_outdated(session)
    keys = set(session.scalars(select(CompanyMatchKey.key).where(
        CompanyMatchKey.company_id == c.id)))
    assert "ruifeng" in keys and "shanghaishiruifeng" not in keys
    # Current keys are left alone on the next run.
    assert dedupe.dedupe(session).indexed == 0
