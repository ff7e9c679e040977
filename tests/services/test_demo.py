"""Demo data: an empty database gets a realistic sample, deterministically, once."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from stdnum.cn import uscc
from werkzeug.security import check_password_hash

from crm.db import Base, make_engine, make_session_factory
from crm.models import (
    AuditEntry,
    BoothType,
    Company,
    CompanyEmail,
    CompanyKindLink,
    CompanyPhone,
    CompanySearchTerm,
    Contact,
    CountryPavilion,
    Exhibition,
    Participation,
    Role,
    User,
)
from crm.services import demo, search


def _session_factory(path):
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    return engine, make_session_factory(engine)


@pytest.fixture
def db(tmp_path):
    engine, factory = _session_factory(tmp_path / "demo.db")
    with factory() as session:
        yield session
    engine.dispose()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """One full-size demo database (400 exhibitors), loaded and committed once."""
    engine, factory = _session_factory(tmp_path_factory.mktemp("demo") / "demo.db")
    with factory() as session:
        summary = demo.load_demo(session, seed=7, exhibitors=400)
        session.commit()
    with factory() as session:
        yield session, summary, None
    engine.dispose()


def _kind_ids(session, kind: str) -> set[int]:
    return set(session.scalars(select(CompanyKindLink.company_id)
                               .where(CompanyKindLink.kind == kind)))


def test_summary_counts_match_the_database(loaded):
    session, summary, _ = loaded

    assert summary.exhibitors == 400 == len(_kind_ids(session, "exhibitor"))
    assert summary.companies == session.scalar(select(func.count(Company.id)))
    assert summary.companies == (summary.exhibitors + summary.organizers + summary.competitors
                                 + summary.media + summary.pavilions)
    assert summary.departments == 5
    assert summary.users == 10
    assert 6 <= summary.exhibitions <= 8
    assert 4 <= summary.pavilions <= 5
    assert summary.competitors == 8
    assert summary.media == 6
    assert summary.industries >= 30
    assert summary.venues >= 15
    assert summary.agents >= 10
    assert summary.foreign_companies >= 30
    assert summary.key_clients >= 5
    assert summary.owned_companies >= 20
    assert summary.participations >= summary.exhibitors


def test_every_role_has_a_login_whose_password_is_demo(loaded):
    session, summary, _ = loaded

    assert {login.role for login in summary.logins} == {role.value for role in Role}
    names = {login.username: login.display_name for login in summary.logins}
    assert names["tele1"] == "张丽"
    hashes = set(session.scalars(select(User.password_hash)))  # scrypt is slow: once each
    assert all(check_password_hash(h, "demo") for h in hashes)
    tele1 = session.scalars(select(User).where(User.username == "tele1")).one()
    assert tele1.role == Role.TELESALES and tele1.department.code == "market"
    exec1 = session.scalars(select(User).where(User.username == "exec1")).one()
    assert exec1.department.name_zh == "业务执行部"


def test_about_half_the_chinese_companies_carry_a_valid_credit_code(loaded):
    session, _, _ = loaded
    chinese = session.execute(select(Company.credit_code).where(Company.country == "CN")).all()
    codes = [code for (code,) in chinese if code]

    assert all(uscc.is_valid(code) for code in codes)
    assert 0.35 <= len(codes) / len(chinese) <= 0.65


def test_phones_are_normalised_and_written_the_chinese_way(loaded):
    session, _, _ = loaded
    rows = session.scalars(select(CompanyPhone)).all()

    assert rows and all(row.e164 for row in rows)
    assert any(" 转 " in row.raw and row.extension for row in rows)
    assert {"landline", "mobile", "fax"} <= {row.kind for row in rows}
    contacts = session.scalars(select(Contact).where(Contact.mobile.is_not(None))).all()
    assert all(c.mobile_e164.startswith("+861") for c in contacts)


def test_mails_use_the_company_domain(loaded):
    session, _, _ = loaded
    pairs = session.execute(select(CompanyEmail.domain, Company.website_domain)
                            .join(Company, Company.id == CompanyEmail.company_id)).all()

    assert pairs and all(mail == site for mail, site in pairs)


def test_exhibitors_have_contacts_and_booths(loaded):
    session, _, _ = loaded
    exhibitors = _kind_ids(session, "exhibitor")
    with_booth = set(session.scalars(select(Participation.company_id)))
    per_company = dict(session.execute(select(Contact.company_id, func.count())
                                       .group_by(Contact.company_id)).all())

    assert exhibitors <= with_booth
    assert all(per_company.get(cid, 0) >= 1 for cid in exhibitors)
    chinese = session.scalars(select(Company.id).where(Company.country == "CN",
                                                       Company.id.in_(exhibitors))).all()
    assert all(per_company[cid] >= 2 for cid in chinese)


def test_booths_are_realistic(loaded):
    session, _, _ = loaded
    rows = session.execute(select(Participation.area_m2, Participation.booth_type,
                                  Participation.origin)).all()

    assert all(Decimal(9) <= area <= Decimal(600) for area, _, _ in rows)
    assert {t.value for t in BoothType} == {booth_type for _, booth_type, _ in rows}
    assert {"domestic", "foreign", "agent"} == {origin for _, _, origin in rows}
    large = [booth_type for area, booth_type, _ in rows if area >= 200]
    assert large.count("special") > len(large) / 2
    small = [booth_type for area, booth_type, _ in rows if area <= 18]
    assert set(small) == {"standard"}


def test_pavilions_have_trade_bodies_and_member_booths(loaded):
    session, _, _ = loaded
    pavilions = session.scalars(select(CountryPavilion)).all()

    for pavilion in pavilions:
        assert pavilion.organizer.country == pavilion.country
        members = session.scalars(select(Participation)
                                  .where(Participation.pavilion_id == pavilion.id)).all()
        assert len({p.company_id for p in members}) >= 2
    assert "德国国家展团" in {p.name_zh for p in pavilions}


def test_exhibitions_sit_in_real_venues_with_organizers(loaded):
    session, _, _ = loaded
    organizers = _kind_ids(session, "organizer")

    for show in session.scalars(select(Exhibition)):
        assert show.venue is not None and show.venue.code
        assert show.organizer_id in organizers
        assert show.value_rating in {"A", "B", "C"}
        assert 2024 <= show.year <= 2027 and show.starts_on <= show.ends_on


def test_haier_is_found_by_pinyin_and_has_a_special_build(loaded):
    session, _, _ = loaded
    haier = session.scalars(select(Company).where(Company.name_zh == "青岛海尔股份有限公司")).one()

    assert haier.name_en == "Haier Group"
    assert haier.id in set(session.scalars(search.matching_ids("haier")))
    booths = session.scalars(select(Participation)
                             .where(Participation.company_id == haier.id)).all()
    assert any(b.booth_type == "special" for b in booths)


def test_session_hooks_ran(loaded):
    session, _, _ = loaded

    assert session.scalar(select(func.count(AuditEntry.id))) > 400
    assert session.scalar(select(func.count(CompanySearchTerm.company_id))) > 4000


def test_loading_twice_without_reset_is_refused(loaded):
    session, summary, _ = loaded

    with pytest.raises(demo.DemoDataExists, match="already holds"):
        demo.load_demo(session, exhibitors=5)
    assert session.scalar(select(func.count(Company.id))) == summary.companies


def test_reset_replaces_the_business_rows(db):
    demo.load_demo(db, seed=1, exhibitors=30)
    db.commit()

    summary = demo.load_demo(db, seed=2, exhibitors=20, reset=True)
    db.commit()

    assert summary.exhibitors == 20
    assert db.scalar(select(func.count(Company.id))) == summary.companies
    assert db.scalar(select(func.count(User.id))) == 10
    assert db.scalar(select(func.count(AuditEntry.id))
                     .where(AuditEntry.action == "reset")) == 1
    stale = select(func.count()).select_from(CompanySearchTerm).where(
        CompanySearchTerm.company_id.not_in(select(Company.id)))
    assert db.scalar(stale) == 0


def _names(tmp_path, name: str, seed: int) -> list[tuple]:
    engine, factory = _session_factory(tmp_path / name)
    with factory() as session:
        demo.load_demo(session, seed=seed, exhibitors=25)
        rows = session.execute(select(Company.name_zh, Company.name_en, Company.credit_code)
                               .order_by(Company.id)).all()
    engine.dispose()
    return rows


def test_the_same_seed_gives_the_same_data(tmp_path):
    first = _names(tmp_path, "a.db", 7)

    assert first == _names(tmp_path, "b.db", 7)
    assert first != _names(tmp_path, "c.db", 8)


def test_existing_users_are_kept(db):
    db.add(User(username="admin", display_name="真管理员", role=Role.ADMIN,
                password_hash="kept"))
    db.flush()

    summary = demo.load_demo(db, exhibitors=5)

    admin = db.scalars(select(User).where(User.username == "admin")).one()
    assert admin.password_hash == "kept"
    assert summary.users == 10


def test_demo_shows_design_requests_materials_and_field_intel(loaded):
    from crm.models import DesignRequest, FieldIntel, MailingTask
    from crm.services import demo_design_intel, workdays
    from crm.services import design_requests as dr
    from crm.db import utcnow

    session, _summary, _ = loaded
    rows = {r.status: r for r in session.scalars(select(DesignRequest))}
    today = workdays.local_date(utcnow())
    assert rows["delivered"].proposals and not dr.is_missed(rows["delivered"], today)
    missed = rows["open"]
    assert dr.is_missed(missed, today) and missed.explanation
    assert session.scalar(select(func.count(MailingTask.id)).where(
        MailingTask.status == "sent", MailingTask.tracking_no.is_not(None))) >= 1
    assert session.scalars(select(FieldIntel)).one().company_names
    assert demo_design_intel.load(session) == {}  # once only
