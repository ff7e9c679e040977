"""Reference data: the industry taxonomy and China's regions."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.db import Base, make_engine, make_session_factory
from crm.models import Industry
from crm.services import reference


@pytest.fixture
def db(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    Base.metadata.create_all(engine)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


def _industry(db, code: str) -> Industry:
    return db.scalars(select(Industry).where(Industry.code == code)).one()


def test_seed_industries_adds_the_taxonomy(db):
    added = reference.seed_industries(db)

    assert added == len(reference.read_industries()) >= 30
    names = set(db.scalars(select(Industry.name_zh)))
    assert {"汽车", "印刷包装", "通信信息", "房地产", "医疗器械", "机械工业", "电子电器",
            "食品饮料", "化工", "建材", "家具", "纺织服装", "能源电力", "环保", "农业",
            "美容化妆品", "珠宝", "文化旅游", "教育", "物流", "航空航天", "消费电子",
            "新能源汽车"} <= names
    assert _industry(db, "new_energy_vehicles").parent.name_zh == "汽车"
    assert _industry(db, "automotive").parent is None


def test_seed_industries_is_idempotent(db):
    reference.seed_industries(db)
    before = db.scalar(select(func.count(Industry.id)))

    assert reference.seed_industries(db) == 0
    assert db.scalar(select(func.count(Industry.id))) == before


def test_seed_keeps_an_administrators_edit_unless_told_to_overwrite(db):
    reference.seed_industries(db)
    _industry(db, "automotive").name_en = "Cars"
    db.flush()

    reference.seed_industries(db)
    assert _industry(db, "automotive").name_en == "Cars"

    reference.seed_industries(db, overwrite=True)
    assert _industry(db, "automotive").name_en == "Automotive"


def test_seed_adds_only_the_missing_rows(db):
    db.add(Industry(code="automotive", name_zh="汽车"))
    db.flush()

    added = reference.seed_industries(db)

    assert added == len(reference.read_industries()) - 1
    assert _industry(db, "automotive").name_en == "Automotive"  # blank filled


def test_an_unknown_parent_is_reported_with_the_file(tmp_path, db):
    broken = tmp_path / "industries.yaml"
    broken.write_text("industries:\n  - {code: ev, name_zh: 电动车, parent: cars}\n",
                      encoding="utf-8")

    with pytest.raises(reference.ReferenceDataError, match=r"industries\.yaml.*parent"):
        reference.seed_industries(db, broken)


def test_regions_hold_34_provinces_with_cities_and_regions():
    provinces = reference.load_regions()

    assert len(provinces) == 34
    assert len({p.code for p in provinces}) == 34
    assert all(p.cities for p in provinces)
    assert {p.region for p in provinces} == {"华东", "华南", "华北", "华中", "西南", "西北",
                                             "东北", "港澳台"}
    by_name = {p.name_zh: p for p in provinces}
    assert by_name["广东省"].region == "华南"
    assert by_name["黑龙江省"].region == "东北"
    assert by_name["香港特别行政区"].region == "港澳台"
    assert len(by_name["广东省"].cities) == 21
    assert sum(len(p.cities) for p in provinces) > 330
    assert all(c.pinyin and c.pinyin[0].isupper() for p in provinces for c in p.cities)


@pytest.mark.parametrize("name, province", [
    ("深圳", "广东省"), ("深圳市", "广东省"), ("Shenzhen", "广东省"), ("上海", "上海市"),
    ("延边朝鲜族自治州", "吉林省"), ("Harbin", "黑龙江省"), ("香港", "香港特别行政区"),
])
def test_province_of_city(name, province):
    assert reference.province_of_city(name).name_zh == province


@pytest.mark.parametrize("name", ["", None, "Atlantis", "不存在市"])
def test_province_of_an_unknown_city_is_none(name):
    assert reference.province_of_city(name) is None


def test_main_cities_carry_their_area_codes():
    assert reference.city("上海").area_code == "021"
    assert reference.city("北京").area_code == "010"
    assert reference.city("深圳").area_code == "0755"
    assert reference.city("苏州").adcode == "320500"
