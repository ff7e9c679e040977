"""Generate realistic Chinese CRM data at scale: companies, contacts, shows, participations.

Shared by the benchmarks (company search, imports). Everything is deterministic: company
number `i` of a `World(seed)` is always the same company, so a benchmark can rebuild any
company it loaded to know its trade name, pinyin, brand and phones without storing them.
Nothing here touches a database.

Names are built the way Chinese companies are named — region + trade name (字号) + trade
word + legal form (上海恒泰精密机械有限公司, 恒泰（苏州）电子科技有限公司) — from pools large
enough that a real two-character trade name matches tens of companies, not a hundred
thousand. About 60% also have an English name (Shanghai Hengtai Precision Machinery Co.,
Ltd. or a coined brand such as Kinwell). Phones are 13x…19x mobiles and landlines with the
city's area code; contacts' desk phones are mostly the switchboard with an extension.
"""
from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path

import yaml

from crm.services import names

DATA_DIR = Path(__file__).resolve().parents[1] / "data"

# Characters seen in trade names (字号), most popular first; picked with a Zipf-like skew.
TRADE_CHARS = (
    "华恒盛达鑫源宏瑞信德丰隆昌通金海天中新嘉汇佳科锦美博远兴利和安康永明伟正东凯联创益祥顺成"
    "辉光宇豪欣富久力荣升腾飞龙凤润泽浩涛洋江湖山峰林森春晨阳星辰月云雷鹏鸿翔航舟帆方圆宁静雅"
    "致精工匠艺品尚优卓越超凡杰俊英威武文国邦家园城都京沪粤浙苏闽鲁湘川秦晋宝玉珠银铜铁钢石木"
    "水风雨青红蓝紫绿彩亿万千百合众诚实友谊立建业发展世纪环球宇宙乐福寿喜庆吉祥如意泰山长虹"
    "佳能捷迅速驰骏骐麒麟鹰雁鸣声音影像视听图腾标志诺威斯特莱克尔奇迪亚欧美澳加宝马奔骆驼"
    "狮虎豹熊猫鹿鹤松柏竹梅兰菊荷莲桃李杏橙柚蔓藤芯核心芯智慧灵巧思维韵律旋律节拍弦琴瑟笙"
    "皓皎晶莹璀璨灿烂炫耀辉煌荣耀誉赞颂扬帆启航征途远景蓝图宏图伟业鼎立鼎盛昊天苍穹穹顶"
    "汉唐宋元明清周商夏禹舜尧炎黄轩辕华夏神州赤县九州四海五洲八方六合三江两岸一帆百川千里"
    "聚鼎坤乾震巽坎离艮兑凯旋胜利赢奥运迎春瑞雪丰年康泰永安长乐益寿延年福禄吉利来运旺盈丰裕"
)
TRADE_CHARS = "".join(dict.fromkeys(ch for ch in TRADE_CHARS if names.has_cjk(ch)))

# (trade word in the Chinese name, in the English name, industry code in data/industries.yaml)
TRADE_WORDS: list[tuple[str, str, str]] = [
    ("机械", "Machinery", "machinery"), ("精密机械", "Precision Machinery", "machinery"),
    ("机械设备", "Machinery Equipment", "machinery"), ("重工", "Heavy Industry", "machinery"),
    ("数控机床", "CNC Machine Tool", "machine_tools"), ("刀具", "Cutting Tools", "machine_tools"),
    ("自动化设备", "Automation Equipment", "industrial_automation"),
    ("智能装备", "Intelligent Equipment", "industrial_automation"),
    ("机器人", "Robotics", "industrial_automation"), ("电气", "Electric", "electronics"),
    ("电子", "Electronics", "electronics"), ("电子科技", "Electronic Technology", "electronics"),
    ("电器", "Electrical Appliance", "home_appliances"), ("家电", "Home Appliances", "home_appliances"),
    ("数码科技", "Digital Technology", "consumer_electronics"),
    ("半导体", "Semiconductor", "semiconductors"), ("微电子", "Microelectronics", "semiconductors"),
    ("照明", "Lighting", "lighting"), ("光电", "Optoelectronics", "lighting"),
    ("安防科技", "Security Technology", "security"), ("消防设备", "Fire Equipment", "security"),
    ("汽车零部件", "Auto Parts", "auto_parts"), ("汽车配件", "Auto Accessories", "auto_parts"),
    ("汽车", "Automobile", "automotive"), ("新能源汽车", "New Energy Vehicle", "new_energy_vehicles"),
    ("包装材料", "Packaging Materials", "printing_packaging"), ("印刷", "Printing", "printing_packaging"),
    ("纸业", "Paper", "printing_packaging"), ("信息技术", "Information Technology", "telecom_it"),
    ("网络科技", "Network Technology", "telecom_it"), ("通信设备", "Communication Equipment", "telecom_it"),
    ("软件", "Software", "telecom_it"), ("医疗器械", "Medical Devices", "medical_devices"),
    ("医疗科技", "Medical Technology", "medical_devices"), ("生物科技", "Biotechnology", "pharmaceuticals"),
    ("制药", "Pharmaceutical", "pharmaceuticals"), ("保健品", "Health Products", "pharmaceuticals"),
    ("食品", "Food", "food_beverage"), ("饮料", "Beverage", "food_beverage"),
    ("酒业", "Wine", "wine_spirits"), ("茶业", "Tea", "food_beverage"), ("化工", "Chemical", "chemicals"),
    ("新材料", "New Materials", "chemicals"), ("涂料", "Coatings", "chemicals"),
    ("塑料制品", "Plastic Products", "plastics_rubber"), ("橡胶制品", "Rubber Products", "plastics_rubber"),
    ("建材", "Building Materials", "building_materials"), ("陶瓷", "Ceramics", "building_materials"),
    ("门窗", "Doors and Windows", "building_materials"), ("卫浴", "Sanitary Ware", "building_materials"),
    ("家具", "Furniture", "furniture"), ("家居", "Home Furnishing", "furniture"),
    ("纺织", "Textile", "textiles_apparel"), ("服饰", "Garments", "textiles_apparel"),
    ("鞋业", "Shoes", "textiles_apparel"), ("电力设备", "Power Equipment", "energy_power"),
    ("线缆", "Cable", "energy_power"), ("新能源", "New Energy", "solar_storage"),
    ("光伏科技", "Photovoltaic Technology", "solar_storage"), ("储能科技", "Energy Storage", "solar_storage"),
    ("电池", "Battery", "solar_storage"), ("环保科技", "Environmental Technology", "environmental"),
    ("水处理设备", "Water Treatment Equipment", "environmental"), ("农业科技", "Agricultural Technology", "agriculture"),
    ("农牧", "Agriculture and Husbandry", "agriculture"), ("化妆品", "Cosmetics", "beauty_cosmetics"),
    ("日化", "Daily Chemical", "beauty_cosmetics"), ("珠宝", "Jewelry", "jewelry"),
    ("文化传媒", "Culture Media", "culture_tourism"), ("旅游", "Tourism", "culture_tourism"),
    ("教育科技", "Education Technology", "education"), ("物流", "Logistics", "logistics"),
    ("供应链", "Supply Chain", "logistics"), ("航空科技", "Aviation Technology", "aerospace"),
    ("体育用品", "Sporting Goods", "sports_leisure"), ("玩具", "Toys", "toys_gifts"),
    ("礼品", "Gifts", "toys_gifts"), ("科技", "Technology", "electronics"),
    ("实业", "Industrial", "machinery"), ("贸易", "Trading", "logistics"),
    ("进出口", "Import and Export", "logistics"), ("五金制品", "Hardware Products", "machinery"),
    ("不锈钢制品", "Stainless Steel Products", "machinery"), ("模具", "Mould", "machinery"),
    ("阀门", "Valve", "machinery"), ("泵业", "Pump", "machinery"), ("仪器仪表", "Instruments", "electronics"),
]
# (Chinese legal form, English legal form, weight)
LEGAL_FORMS = [("有限公司", "Co., Ltd.", 64), ("股份有限公司", "Co., Ltd.", 12),
               ("有限责任公司", "Co., Ltd.", 8), ("集团有限公司", "Group Co., Ltd.", 5),
               ("厂", "Factory", 5), ("科技有限公司", "Technology Co., Ltd.", 6)]
BRAND_HEADS = ["Sino", "Vita", "Kin", "Top", "Jet", "Max", "Uni", "Ever", "Gold", "Star", "Win",
               "Nova", "Alpha", "Omni", "Bright", "Grand", "Smart", "Eco", "Neo", "Oriental",
               "Pacific", "Asia", "Great", "Royal", "Blue", "Sun", "Delta", "Vast", "Hexa", "Zeta"]
BRAND_TAILS = ["tek", "well", "tech", "star", "way", "con", "tron", "lux", "flex", "mate",
               "power", "line", "sun", "rise", "land", "gen", "vision", "sys", "max", "core"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯鹏晨辉鑫淼瑶婷雪琳晶倩颖佳欣怡轩睿博文昊天宁峰波亮建国志刚海燕丹丹"
TITLES = ["总经理", "副总经理", "董事长", "市场部经理", "市场总监", "品牌经理", "销售总监",
          "销售经理", "采购经理", "展会负责人", "市场专员", "外贸经理", "行政主管", "总经理助理"]
DEPARTMENTS = ["市场部", "销售部", "采购部", "品牌部", "总经办", "外贸部", "行政部", None]
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                   "152", "153", "155", "156", "157", "158", "159", "166", "176", "177", "178",
                   "180", "181", "182", "183", "185", "186", "187", "188", "189", "198", "199"]
MAIL_HOSTS = ["163.com", "qq.com", "126.com", "sina.com", "139.com", "aliyun.com"]
# How often the larger trading cities appear; every other city with an area code weighs 1.
CITY_WEIGHTS = {"上海": 30, "深圳": 28, "广州": 22, "北京": 18, "杭州": 16, "苏州": 16, "宁波": 14,
                "东莞": 14, "佛山": 12, "青岛": 10, "天津": 10, "厦门": 10, "南京": 10, "温州": 9,
                "无锡": 9, "常州": 7, "台州": 7, "金华": 7, "泉州": 7, "成都": 8, "武汉": 8,
                "重庆": 7, "郑州": 6, "长沙": 6, "济南": 6, "合肥": 6, "西安": 5, "中山": 5,
                "嘉兴": 5, "绍兴": 5, "福州": 5, "大连": 5, "沈阳": 4, "烟台": 4, "潍坊": 4}
SHOW_PATTERNS = ["中国国际{ind}博览会", "{city}国际{ind}展览会", "亚洲{ind}展", "{ind}技术与设备展览会",
                 "中国（{city}）{ind}产业博览会", "国际{ind}采购交易会", "{city}{ind}创新展",
                 "全球{ind}供应链展"]
SHOW_SUFFIX_EN = ["Expo", "Exhibition", "Fair", "Show"]
BOOTH_AREAS = [9, 9, 9, 12, 18, 18, 24, 27, 36, 36, 36, 54, 54, 72, 81, 108, 144, 162, 216, 288, 360]
YEARS = list(range(2014, 2027))
EPOCH = datetime(2014, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class City:
    short: str
    name_zh: str
    province: str
    province_short: str
    pinyin: str
    area_code: str


@dataclass(frozen=True)
class Industry:
    code: str
    name_zh: str
    name_en: str | None
    parent: str | None


@dataclass
class PhoneData:
    raw: str
    e164: str
    extension: str | None
    kind: str  # mobile / landline / fax


@dataclass
class ContactData:
    name: str
    title: str | None
    department: str | None
    mobile: str | None
    mobile_e164: str | None
    landline: str | None
    landline_e164: str | None
    landline_ext: str | None
    email: str | None
    wechat: str | None


@dataclass
class ParticipationData:
    exhibition_index: int  # index into World.exhibitions()
    booth_no: str
    hall: str
    area_m2: int
    booth_type: str
    origin: str


@dataclass
class CompanyData:
    """One generated company with everything a benchmark needs to query it back."""

    index: int
    name_zh: str
    name_en: str | None
    trade: str  # 字号, e.g. 恒泰
    trade_pinyin: str  # hengtai
    trade_word: str  # 精密机械
    brand_en: str | None  # the distinctive word of the English name
    city: City
    industry_code: str
    credit_code: str | None
    address: str
    website: str | None
    website_domain: str | None
    created_at: datetime
    former_names: list[str] = field(default_factory=list)
    phones: list[PhoneData] = field(default_factory=list)
    contacts: list[ContactData] = field(default_factory=list)
    participations: list[ParticipationData] = field(default_factory=list)

    @property
    def core_initials(self) -> str:
        """Pinyin initials of trade name and trade word (恒泰机械 → htjx)."""
        return "".join(s[0] for s in names.pinyin(self.trade + self.trade_word) if s)


@dataclass(frozen=True)
class ExhibitionData:
    name_zh: str
    name_en: str
    year: int
    starts_on: date
    ends_on: date
    city: str
    industry_code: str
    halls: str


def _zipf_cumulative(n: int, exponent: float) -> list[float]:
    weights = [1 / (rank ** exponent) for rank in range(1, n + 1)]
    return list(itertools.accumulate(weights))


class World:
    """The fixed pools and the deterministic generator of companies and shows."""

    def __init__(self, seed: int = 20240601, *, contacts_per_company: float = 3.0,
                 participations_per_company: float = 5.0, editions: int = 2000) -> None:
        self.seed = seed
        self.contacts_mean = contacts_per_company
        self.participations_mean = participations_per_company
        self.editions = editions
        self._trade_cum = _zipf_cumulative(len(TRADE_CHARS), 0.6)
        self._word_cum = _zipf_cumulative(len(TRADE_WORDS), 0.4)
        self._legal_cum = list(itertools.accumulate(w for *_x, w in LEGAL_FORMS))
        self._city_cum = list(itertools.accumulate(CITY_WEIGHTS.get(c.short, 1) for c in self.cities))

    # --- reference data -------------------------------------------------------------------

    @cached_property
    def cities(self) -> list[City]:
        """Cities with a fixed-line area code, from data/regions_cn.yaml."""
        doc = yaml.safe_load((DATA_DIR / "regions_cn.yaml").read_text(encoding="utf-8"))
        return [City(c["short"], c["name_zh"], p["name_zh"], p["short"], c["pinyin"],
                     c["area_code"])
                for p in doc["provinces"] for c in p["cities"] if c.get("area_code")]

    @cached_property
    def industries(self) -> list[Industry]:
        doc = yaml.safe_load((DATA_DIR / "industries.yaml").read_text(encoding="utf-8"))
        return [Industry(i["code"], i["name_zh"], i.get("name_en"), i.get("parent"))
                for i in doc["industries"]]

    @cached_property
    def _industry_names(self) -> dict[str, Industry]:
        return {i.code: i for i in self.industries}

    @cached_property
    def _series(self) -> list[tuple[str, str, str, City]]:
        """Show series (name_zh, name_en, industry code, city), enough for `editions`."""
        rng = random.Random(self.seed ^ 0x5EED)
        count = -(-self.editions // len(YEARS))
        series, seen = [], set()
        while len(series) < count:
            industry = rng.choice(self.industries)
            city = self.cities[bisect.bisect(self._city_cum, rng.random() * self._city_cum[-1])]
            ind = industry.name_zh.removesuffix("LED")
            name = rng.choice(SHOW_PATTERNS).format(ind=ind, city=city.short)
            if name in seen:
                continue
            seen.add(name)
            name_en = f"{city.pinyin} International {industry.name_en} {rng.choice(SHOW_SUFFIX_EN)}"
            series.append((name, name_en, industry.code, city))
        return series

    def exhibitions(self) -> list[ExhibitionData]:
        """About `editions` show editions: each series held once a year from 2014 to 2026."""
        rng = random.Random(self.seed ^ 0xE0)
        out = []
        for name_zh, name_en, code, city in self._series:
            month, day = rng.randint(3, 11), rng.randint(1, 20)
            for year in YEARS:
                if len(out) >= self.editions:
                    break
                start = date(year, month, day) + timedelta(days=rng.randint(-7, 7))
                halls = ", ".join(f"{h}H" for h in sorted(rng.sample(range(1, 16), rng.randint(2, 8))))
                out.append(ExhibitionData(name_zh, f"{name_en} {year}", year, start,
                                          start + timedelta(days=rng.choice([2, 3, 3, 4])),
                                          city.short, code, halls))
        return out

    @cached_property
    def _editions_by_industry(self) -> dict[str, list[int]]:
        by: dict[str, list[int]] = {}
        for i, ex in enumerate(self.exhibitions()):
            by.setdefault(ex.industry_code, []).append(i)
        return by

    # --- companies --------------------------------------------------------------------------

    def _pick(self, rng: random.Random, cumulative: list[float]) -> int:
        return bisect.bisect(cumulative, rng.random() * cumulative[-1])

    def trade_name(self, rng: random.Random) -> str:
        length = rng.choices((2, 3, 4), weights=(60, 28, 12))[0]
        chars = []
        while len(chars) < length:
            ch = TRADE_CHARS[self._pick(rng, self._trade_cum)]
            if not chars or ch != chars[-1]:
                chars.append(ch)
        return "".join(chars)

    def _name(self, rng: random.Random, trade: str, word: str, legal: str, city: City) -> str:
        style = rng.random()
        if style < 0.55:
            return f"{city.short}{trade}{word}{legal}"
        if style < 0.70:
            return f"{city.name_zh}{trade}{word}{legal}"
        if style < 0.85:
            return f"{trade}（{city.short}）{word}{legal}"
        if style < 0.95:
            return f"{trade}{word}{legal}"
        return f"{city.province_short}{trade}{word}{legal}"

    def company(self, index: int) -> CompanyData:
        """Company number `index` (0-based) of this world; the same every time."""
        rng = random.Random(self.seed * 1_000_003 + index)
        city = self.cities[self._pick(rng, self._city_cum)]
        trade = self.trade_name(rng)
        word_zh, word_en, industry = TRADE_WORDS[self._pick(rng, self._word_cum)]
        legal_zh, legal_en, _w = LEGAL_FORMS[self._pick(rng, self._legal_cum)]
        if legal_zh.startswith("科技") and "科技" in word_zh:
            legal_zh, legal_en = "有限公司", "Co., Ltd."
        name_zh = self._name(rng, trade, word_zh, legal_zh, city)
        trade_pinyin = "".join(names.pinyin(trade))
        brand = None
        name_en = None
        if rng.random() < 0.6:
            brand = (trade_pinyin.capitalize() if rng.random() < 0.65
                     else rng.choice(BRAND_HEADS) + rng.choice(BRAND_TAILS))
            place = f"{city.pinyin.replace(chr(39), '')} " if rng.random() < 0.7 else ""
            name_en = f"{place}{brand} {word_en} {legal_en}"
        created = EPOCH + timedelta(seconds=rng.randrange(12 * 365 * 86400))
        website = domain = None
        if rng.random() < 0.45:
            domain = f"{(brand or trade_pinyin).lower()}{rng.choice(['', '-' + city.pinyin.lower(), str(rng.randint(1, 99))])}.{rng.choice(['com', 'cn', 'com.cn', 'net'])}"
            website = f"{rng.choice(['http://', 'https://', ''])}www.{domain}"
        company = CompanyData(
            index=index, name_zh=name_zh, name_en=name_en, trade=trade, trade_pinyin=trade_pinyin,
            trade_word=word_zh, brand_en=brand, city=city, industry_code=industry,
            credit_code=credit_code(rng) if rng.random() < 0.4 else None,
            address=f"{city.name_zh}{rng.choice('东西南北中')}{rng.choice('环湖江山海城华兴')}路{rng.randint(1, 2999)}号",
            website=website, website_domain=domain, created_at=created)
        if rng.random() < 0.1:  # renamed once: the old name stays searchable as an alias
            company.former_names.append(
                f"{city.short}{self.trade_name(rng)}{TRADE_WORDS[self._pick(rng, self._word_cum)][0]}有限公司")
        main = landline(rng, city.area_code)
        if rng.random() < 0.92:
            company.phones.append(main)
        if rng.random() < 0.3:
            fax = landline(rng, city.area_code)
            company.phones.append(PhoneData(fax.raw, fax.e164, None, "fax"))
        for _i in range(_count(rng, self.contacts_mean, 40)):
            company.contacts.append(self.contact(rng, main, domain))
        company.participations = self._participations(rng, industry)
        return company

    def contact(self, rng: random.Random, switchboard: PhoneData, domain: str | None) -> ContactData:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _i in range(rng.choice((1, 2, 2))))
        mobile = mobile_e164 = None
        if rng.random() < 0.93:
            digits = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"
            mobile_e164 = "+86" + digits
            style = rng.random()
            mobile = (digits if style < 0.6 else f"{digits[:3]} {digits[3:7]} {digits[7:]}"
                      if style < 0.85 else f"{digits[:3]}-{digits[3:7]}-{digits[7:]}")
        desk = desk_e164 = ext = None
        if rng.random() < 0.4:
            if rng.random() < 0.75:
                ext = str(rng.randint(800, 8999))
                desk, desk_e164 = f"{switchboard.raw} 转 {ext}", switchboard.e164
            else:
                own = landline(rng, switchboard.raw.split("-")[0])
                desk, desk_e164 = own.raw, own.e164
        email = None
        if rng.random() < 0.5:
            user = "".join(names.pinyin(name)) + (str(rng.randint(1, 99)) if rng.random() < 0.4 else "")
            email = f"{user}@{domain if domain and rng.random() < 0.7 else rng.choice(MAIL_HOSTS)}"
        wechat = (mobile.replace(" ", "").replace("-", "") if mobile and rng.random() < 0.5
                  else f"wx_{rng.randrange(10 ** 7)}") if rng.random() < 0.3 else None
        return ContactData(name, rng.choice(TITLES), rng.choice(DEPARTMENTS), mobile, mobile_e164,
                           desk, desk_e164, ext, email, wechat)

    def _participations(self, rng: random.Random, industry: str) -> list[ParticipationData]:
        count = _count(rng, self.participations_mean, 80)
        if not count:
            return []
        editions = self.exhibitions_count
        own = self._editions_by_industry.get(industry) or []
        chosen: set[int] = set()
        attempts = 0
        while len(chosen) < count and attempts < count * 4:
            attempts += 1
            if own and rng.random() < 0.7:
                chosen.add(rng.choice(own))
            else:
                chosen.add(rng.randrange(editions))
        out = []
        for ex in sorted(chosen):
            hall = f"{rng.randint(1, 15)}.{rng.randint(1, 2)}"
            area = rng.choice(BOOTH_AREAS)
            booth_type = "standard" if area <= 12 and rng.random() < 0.8 else (
                "raw_space" if area >= 36 and rng.random() < 0.5 else "special")
            out.append(ParticipationData(ex, f"{hall}{rng.choice('ABCDEFGHJK')}{rng.randint(1, 99):02d}",
                                         f"{hall}H", area, booth_type,
                                         rng.choices(("domestic", "foreign", "agent"), (85, 8, 7))[0]))
        return out

    @cached_property
    def exhibitions_count(self) -> int:
        return len(self.exhibitions())


def _count(rng: random.Random, mean: float, cap: int) -> int:
    """A skewed count with the given mean: most companies few, some many."""
    if mean <= 0:
        return 0
    return min(cap, int(rng.expovariate(1 / mean) + 0.5))


def landline(rng: random.Random, area_code: str) -> PhoneData:
    digits = 8 if len(area_code) == 3 or rng.random() < 0.7 else 7
    local = str(rng.randint(2, 8)) + f"{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"
    raw = f"{area_code}-{local}"
    return PhoneData(raw, "+86" + area_code[1:] + local, None, "landline")


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(rng: random.Random) -> str:
    """A unified social credit code (统一社会信用代码) with a valid check character."""
    body = "91" + f"{rng.randrange(10 ** 6):06d}" + "".join(rng.choice(_USCC_ALPHABET) for _i in range(9))
    total = sum(_USCC_ALPHABET.index(ch) * w for ch, w in zip(body, _USCC_WEIGHTS))
    return body + _USCC_ALPHABET[(31 - total % 31) % 31]
