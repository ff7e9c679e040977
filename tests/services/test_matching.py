"""Entity resolution: Chinese and English names, strong keys, bands, blocking."""
from __future__ import annotations

import pytest

from crm.services import companies, matching, settings
from crm.services.matching import MatchSettings, build_profile, compare, parse_name
from tests import factories

CFG = MatchSettings()
RUIFENG = "上海瑞丰汽车零部件有限公司"


@pytest.mark.parametrize("variant", [
    "瑞丰汽车零部件（上海）有限公司",
    "Shanghai Ruifeng Auto Parts Co., Ltd.",
    "SHANGHAI RUIFENG AUTO PARTS CO.,LTD",
    "Ｓｈａｎｇｈａｉ　Ｒｕｉｆｅｎｇ　Ａｕｔｏ　Ｐａｒｔｓ　Ｃｏ．，Ｌｔｄ．",  # full-width
    "上海瑞豐汽車零部件有限公司",  # traditional characters
    "上海市瑞丰汽车零部件股份有限公司",  # other legal form, 市
    "Shang Hai Rui Feng Qi Che Ling Bu Jian You Xian Gong Si",  # machine pinyin
    "Ruifeng Auto Parts (Shanghai) Co., Ltd.",
])
def test_variants_of_one_name_link(variant):
    verdict = compare(build_profile([RUIFENG]), build_profile([variant]), CFG)
    assert verdict.band == "link", verdict.evidence


def test_a_homophone_typo_in_the_same_place_and_trade_links():
    verdict = compare(build_profile([RUIFENG]), build_profile(["上海瑞峰汽车零部件有限公司"]), CFG)
    assert verdict.band == "link" and verdict.score == matching.HOMOPHONE_SAME_PLACE_SCORE
    assert verdict.evidence["name"]["how"] == "trade names sound alike"
    assert {"region", "sound"} <= set(verdict.evidence["agreed"])
    # The address's city places a name that says none.
    placed = build_profile(["瑞峰汽车零部件有限公司"], city="上海")
    assert compare(build_profile([RUIFENG]), placed, CFG).band == "link"
    # A firm that wants every homophone seen by a person raises the link threshold.
    strict = MatchSettings(link=91)
    assert compare(build_profile([RUIFENG]), build_profile(["上海瑞峰汽车零部件有限公司"]),
                   strict).band == "review"


@pytest.mark.parametrize("other, band", [
    ("瑞峰汽车零部件有限公司", "review"),  # no place: could be any 瑞峰 in China
    ("上海瑞峰汽车电子有限公司", "new"),  # the same sound in another trade
])
def test_a_homophone_without_the_same_place_and_trade_is_not_linked(other, band):
    verdict = compare(build_profile([RUIFENG]), build_profile([other]), CFG)
    assert verdict.band == band, verdict.evidence
    assert "sound" not in verdict.evidence["agreed"]


def test_a_homophone_in_another_city_is_another_company():
    verdict = compare(build_profile([RUIFENG]), build_profile(["北京瑞峰汽车零部件有限公司"]), CFG)
    assert verdict.band == "new"


@pytest.mark.parametrize("other", [
    "北京瑞丰汽车零部件有限公司",  # another city: another company
    "上海瑞丰机械有限公司",  # same trade name, other trade
    "上海华恒汽车零部件有限公司",  # another trade name
])
def test_different_companies_stay_apart(other):
    assert compare(build_profile([RUIFENG]), build_profile([other]), CFG).band == "new"


def test_name_is_taken_apart():
    parts = parse_name("广东省深圳市南山区华恒新能源汽车科技有限公司北京分公司")
    assert parts.trade == "华恒" and parts.trade_py == "huaheng"
    assert parts.industry == ("new_energy", "automobile", "technology")
    assert (parts.region.province, parts.region.city) == ("广东", "深圳")
    assert parts.branch
    en = parse_name("Fiat Chrysler S.p.A.")
    assert en.trade == "fiatchrysler" and en.industry == ()


def test_same_credit_code_links_even_with_different_names():
    a = build_profile(["上海华恒机械有限公司"], credit_code="91310115MA1H7GXQ5L")
    b = build_profile(["Hengtai Trading GmbH"], credit_code="91310115 MA1H7GXQ5L")
    assert compare(a, b, CFG).band == "link"
    c = build_profile([RUIFENG], credit_code="91310115MA1H7GXQ5L")
    d = build_profile([RUIFENG], credit_code="91110108MA01ABCD1W")
    if d.credit_code:  # two valid, different codes: two legal entities
        assert compare(c, d, CFG).band == "new"


def test_free_mail_says_nothing_but_a_company_domain_does():
    a = build_profile(["上海华恒机械有限公司"], emails=["huaheng@qq.com"])
    b = build_profile(["苏州鑫源电子有限公司"], emails=["xinyuan@qq.com"])
    assert a.strong == set() and compare(a, b, CFG).band == "new"
    c = build_profile(["上海华恒机械有限公司"], emails=["sales@huaheng-machine.com"])
    d = build_profile(["Huaheng Machinery"], emails=["info@mail.huaheng-machine.com"])
    assert ("mail", "huaheng-machine.com") in c.strong & d.strong
    assert compare(c, d, CFG).band == "link"


def test_a_shared_phone_adds_evidence():
    a = build_profile(["上海瑞丰汽车零部件有限公司"], phones=["021-5888 1234"])
    b = build_profile(["上海瑞丰机械有限公司"], phones=["+86 21 58881234"])
    verdict = compare(a, b, CFG)
    assert verdict.band == "link" and "phone" in verdict.evidence["agreed"]


def test_domains():
    assert matching.website_key("http://www.Ruifeng-Auto.com.cn/en/") == "ruifeng-auto.com.cn"
    assert matching.website_key("https://ruifeng.en.alibaba.com") is None
    assert matching.email_key("a@vip.163.com") is None


def test_thresholds_are_business_settings(session):
    assert MatchSettings.load(session).link == 90
    settings.put(session, matching.LINK_THRESHOLD, 80)
    cfg = MatchSettings.load(session)
    assert cfg.link == 80
    assert compare(build_profile([RUIFENG]), build_profile(["上海瑞峰汽车零部件有限公司"]),
                   cfg).band == "link"


def test_possible_duplicates_warns_the_company_form(session):
    known = factories.company(session, RUIFENG, phones=["021-58881234"])
    factories.company(session, "上海瑞丰机械有限公司")
    found = matching.possible_duplicates(
        session, companies.CompanyData(name_en="Shanghai Ruifeng Auto Parts Co., Ltd."))
    assert [c.company_id for c in found] == [known.id]
    assert found[0].band == "link"
    assert matching.possible_duplicates(session, {"name_zh": RUIFENG},
                                        exclude_id=known.id) == []
    assert matching.possible_duplicates(session, {"name_zh": "杭州宏瑞包装材料有限公司"}) == []


def test_match_keys_follow_edits(session):
    company = factories.company(session, RUIFENG)
    keys = {(k, v) for k, v, c in session.execute(
        matching.select(matching.CompanyMatchKey.kind, matching.CompanyMatchKey.key,
                        matching.CompanyMatchKey.company_id)) if c == company.id}
    assert ("tp", "ruifeng") in keys and ("cp", "ruifeng/automobile.parts") in keys
    stored = matching.company_profiles(session, [company.id])[company.id]
    assert stored.names[0].trade == "瑞丰" and stored.names[0].industry == ("automobile", "parts")
    data = companies.data_of(company)
    data.phones = ["021-58881234"]
    companies.update(session, company, data)
    index = matching.KeyIndex()
    index.load(session, [("tel", "+862158881234"), ("tp", "ruifeng")])
    assert index.get(("tel", "+862158881234")) == {company.id}
    # A phone alone is not enough to call two names one company.
    assert matching.find_candidates(session, build_profile(["X"], phones=["02158881234"])) == []
    data.name_zh = "上海华恒机械有限公司"
    companies.update(session, company, data)
    index = matching.KeyIndex()
    index.load(session, [("tp", "ruifeng"), ("tp", "huaheng")])
    assert index.get(("tp", "ruifeng")) == {company.id}  # still an alias
    assert index.get(("tp", "huaheng")) == {company.id}


def test_the_chinese_name_decides_over_a_shared_english_brand():
    # Two firms that both call themselves "Vastcore" in English.
    a = build_profile(["金华黄荣凡电池有限公司", "Vastcore Battery Co., Ltd."])
    b = build_profile(["三亚市丰洲电池有限公司", "Sanya Vastcore Battery Co., Ltd."])
    assert compare(a, b, CFG).band == "new"
    # And the typo 瑞峰 (no place) does not reach 瑞丰 through the other's "Ruifeng".
    c = build_profile([RUIFENG, "Shanghai Ruifeng Auto Parts Co., Ltd."])
    verdict = compare(build_profile(["瑞峰汽车零部件有限公司"]), c, CFG)
    assert verdict.band == "review" and verdict.evidence["name"]["b"] == RUIFENG


@pytest.mark.parametrize("pinyin, trade, industry, city", [
    ("Xin Yin Yi Shen Zhen Wei Dian Zi Chang", "xinyinyi", ("microelectronics",), "深圳"),
    ("Ning Bo Shi Kun Shan Ji Qi Ren You Xian Gong Si", "kunshan", ("robot",), "宁波"),
    ("Shang Hai Jin Zhong Shang Zi Dian Zi Ke Ji Gu Fen You Xian Gong Si", "jinzhongshangzi",
     ("electronics", "technology"), "上海"),
    # After a city, "Sheng" is the trade name's 盛, not 省 (a province's suffix).
    ("Dong Guan Sheng Fa Ji Dian Qi Gu Fen You Xian Gong Si", "shengfaji", ("electric",),
     "东莞"),
    ("Guang Dong Sheng Shen Zhen Shi Hua Wei Ji Shu You Xian Gong Si", "huawei",
     ("technology",), "深圳"),
    ("Hu He Hao Te Ji Jin Xin Cai Liao Gu Fen You Xian Gong Si", "jijin", ("new_materials",),
     "呼和浩特"),  # a four-syllable city
])
def test_machine_pinyin_is_taken_apart(pinyin, trade, industry, city):
    parts = parse_name(pinyin)
    assert (parts.trade, parts.industry, parts.region.city) == (trade, industry, city)


@pytest.mark.parametrize("doubled", ["上海市上海市瑞丰汽车零部件有限公司",
                                     "上海上海市瑞丰汽车零部件有限公司"])
def test_a_municipality_written_as_province_and_city_links(doubled):
    # Registration records join province and city: 上海市 + 上海市.
    parts = parse_name(doubled)
    assert (parts.trade, parts.region.city) == ("瑞丰", "上海")
    assert compare(build_profile([RUIFENG]), build_profile([doubled]), CFG).band == "link"


def test_a_city_two_provinces_spell_alike_agrees_with_either():
    # "Taizhou" is 台州 (Zhejiang) or 泰州 (Jiangsu): taken off the trade name, agreeing with
    # either city and conflicting with any other; the Chinese names of the two still conflict.
    parts = parse_name("Tai Zhou Shi Zhu Dou Wen Hua Chuan Mei Ke Ji You Xian Gong Si")
    assert parts.trade == "zhudou" and parts.region.city is None
    assert {r.city for r in parts.region.alternatives} == {"台州", "泰州"}
    assert compare(build_profile(["重庆珠都文化传媒科技有限公司"]),
                   build_profile(["Taizhou Zhudou Culture Media Technology Co., Ltd."]),
                   CFG).band == "new"
    # Stored and read back (company_match_profiles), the alternatives are kept.
    stored = build_profile(["Taizhou Zhudou Culture Media Technology Co., Ltd."])
    again = matching.profile_from_data(1, matching.profile_data(stored))
    assert again.names[0].region == stored.names[0].region
    taizhou = build_profile(["台州市珠都文化传媒科技有限公司"])
    assert compare(taizhou, build_profile(["Tai Zhou Shi Zhu Dou Wen Hua Chuan Mei Ke Ji You "
                                           "Xian Gong Si"]), CFG).band == "link"
    assert compare(taizhou, build_profile(["Taizhou Zhudou Culture Media Technology Co., Ltd."]),
                   CFG).band == "link"
    assert compare(taizhou, build_profile(["泰州市珠都文化传媒科技有限公司"]), CFG).band != "link"


def test_a_province_in_the_name_is_placed_by_the_address():
    # 江苏嘉煌 in 苏州 and 南京嘉煌 are likely two firms (or a branch): a person decides.
    suzhou = build_profile(["江苏嘉煌机械有限公司"], province="江苏", city="苏州")
    assert compare(suzhou, build_profile(["南京嘉煌机械有限公司"]), CFG).band == "review"
    assert compare(suzhou, build_profile(["苏州嘉煌机械有限公司"]), CFG).band == "link"
    assert compare(suzhou, build_profile(["江苏嘉煌机械有限公司"]), CFG).band == "link"


def test_simplified_characters_opencc_would_change_are_kept():
    # 乾 is simplified Chinese too (乾通, qián): only a traditional text is converted.
    assert matching.fold("上海乾通机械有限公司") == "上海乾通机械有限公司"
    assert matching.fold("乾燥設備") == "干燥设备"  # traditional: 乾燥 is 干燥
    assert compare(build_profile(["乾吉茶业有限公司"]),
                   build_profile(["Qian Ji Cha Ye You Xian Gong Si"]), CFG).band == "link"


def test_homophone_industry_words_in_pinyin_match_either_reading():
    # "Dian Qi" is 电气 or 电器; both readings are tried.
    verdict = compare(build_profile(["佛山三璨电器集团有限公司"]),
                      build_profile(["Fo Shan San Can Dian Qi Ji Tuan You Xian Gong Si"]), CFG)
    assert verdict.band == "link"


def test_a_phone_area_code_places_a_name_without_a_place():
    row = build_profile(["华恒医疗科技有限公司"], phones=["0531-45681133"])  # 济南
    known = build_profile(["华恒（台州）医疗科技有限公司"])
    assert str(row.region) == "济南"
    verdict = compare(row, known, CFG)
    assert verdict.band == "review" and verdict.evidence["region"]["relation"] == "conflict"
    assert matching.area_region("+861012345678").city == "北京"
    assert matching.area_region("+8613812345678") is None


def test_two_swapped_letters_of_a_latin_brand_still_find_the_company(session):
    stored = factories.company(session, "泉州华都铜医疗器械集团有限公司",
                               name_en="Quanzhou Neoway Medical Devices Group Co., Ltd.")
    typo = build_profile(["Quanzhou Neoawy Medical Devices Group Co., Ltd."])
    found = matching.find_candidates(session, typo)
    assert [c.company_id for c in found][:1] == [stored.id]
    assert found[0].band in ("link", "review")


def test_no_letters_key_for_chinese_pinyin_or_short_brands():
    # 华新 / 新华 would share their pinyin's letters: Chinese names get no such key.
    assert matching.anagram_key(matching.parse_name("上海华新机械有限公司")) is None
    assert matching.anagram_key(matching.parse_name("ABCD Co., Ltd.")) is None
    assert (matching.anagram_key(matching.parse_name("Neoway Medical Co., Ltd."))
            == matching.anagram_key(matching.parse_name("Neoawy Medical Co., Ltd.")))
