"""Country names as catalogues write them (中国大陆, 德国, Germany, Korea, Rep., DEU) → ISO 3166 codes.

国别. Hong Kong, Macao and Taiwan keep their own codes (HK, MO, TW) as the ISO standard
and the organizers' statistics (港澳台 exhibitors count as 境外) do. A Chinese province
written where the country was asked ("广东") means China.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from crm.importers.chinese import simplify

# ISO2|Chinese names|English names and codes — one country a line, variants as seen in
# catalogues. Keys are compared folded (NFKC, lower case, no spaces or punctuation).
_TABLE = """
CN|中国|中国大陆|中华人民共和国|大陆|中国内地|内地|China|PRC|P.R.China|P.R.C.|People's Republic of China|Mainland China|China Mainland|CHN
HK|香港|中国香港|香港特别行政区|中国香港特别行政区|Hong Kong|Hongkong|Hong Kong SAR|Hong Kong, China|HKG
MO|澳门|中国澳门|澳门特别行政区|Macao|Macau|Macao SAR|Macau, China|MAC
TW|台湾|中国台湾|台湾地区|中国台湾省|台湾省|Taiwan|Taiwan, China|Chinese Taipei|Taiwan Province of China|TWN
JP|日本|Japan|JPN
KR|韩国|南韩|大韩民国|Korea|South Korea|Republic of Korea|Korea, Republic of|Korea, Rep.|Korea (South)|ROK|KOR
KP|朝鲜|North Korea|DPRK|PRK
US|美国|美利坚合众国|USA|U.S.A.|United States|United States of America|America|U.S.
CA|加拿大|Canada|CAN
MX|墨西哥|Mexico|MEX
BR|巴西|Brazil|Brasil|BRA
AR|阿根廷|Argentina|ARG
CL|智利|Chile|CHL
CO|哥伦比亚|Colombia|COL
PE|秘鲁|Peru|PER
DE|德国|Germany|Deutschland|Federal Republic of Germany|DEU|GER
FR|法国|France|FRA
IT|意大利|义大利|Italy|Italia|ITA
GB|英国|大不列颠|United Kingdom|UK|U.K.|Great Britain|Britain|England|Scotland|Wales|GBR
ES|西班牙|Spain|España|Espana|ESP
PT|葡萄牙|Portugal|PRT
NL|荷兰|Netherlands|The Netherlands|Holland|NLD
BE|比利时|Belgium|BEL
LU|卢森堡|Luxembourg|LUX
CH|瑞士|Switzerland|Swiss|CHE
AT|奥地利|Austria|AUT
SE|瑞典|Sweden|SWE
NO|挪威|Norway|NOR
DK|丹麦|Denmark|DNK
FI|芬兰|Finland|FIN
IE|爱尔兰|Ireland|IRL
IS|冰岛|Iceland|ISL
PL|波兰|Poland|POL
CZ|捷克|Czech Republic|Czechia|CZE
SK|斯洛伐克|Slovakia|SVK
HU|匈牙利|Hungary|HUN
RO|罗马尼亚|Romania|ROU
BG|保加利亚|Bulgaria|BGR
GR|希腊|Greece|GRC
SI|斯洛文尼亚|Slovenia|SVN
HR|克罗地亚|Croatia|HRV
RS|塞尔维亚|Serbia|SRB
UA|乌克兰|Ukraine|UKR
BY|白俄罗斯|Belarus|BLR
RU|俄罗斯|俄罗斯联邦|Russia|Russian Federation|RUS
TR|土耳其|Turkey|Türkiye|Turkiye|TUR
IL|以色列|Israel|ISR
AE|阿联酋|阿拉伯联合酋长国|United Arab Emirates|UAE|U.A.E.|ARE
SA|沙特|沙特阿拉伯|Saudi Arabia|KSA|SAU
QA|卡塔尔|Qatar|QAT
KW|科威特|Kuwait|KWT
IR|伊朗|Iran|IRN
IQ|伊拉克|Iraq|IRQ
EG|埃及|Egypt|EGY
ZA|南非|South Africa|ZAF
NG|尼日利亚|Nigeria|NGA
KE|肯尼亚|Kenya|KEN
MA|摩洛哥|Morocco|MAR
ET|埃塞俄比亚|Ethiopia|ETH
IN|印度|India|IND
PK|巴基斯坦|Pakistan|PAK
BD|孟加拉|孟加拉国|Bangladesh|BGD
LK|斯里兰卡|Sri Lanka|LKA
NP|尼泊尔|Nepal|NPL
SG|新加坡|Singapore|SGP
MY|马来西亚|Malaysia|MYS
TH|泰国|Thailand|THA
VN|越南|Vietnam|Viet Nam|VNM
ID|印度尼西亚|印尼|Indonesia|IDN
PH|菲律宾|Philippines|PHL
MM|缅甸|Myanmar|Burma|MMR
KH|柬埔寨|Cambodia|KHM
LA|老挝|Laos|Lao PDR|LAO
MN|蒙古|蒙古国|Mongolia|MNG
KZ|哈萨克斯坦|Kazakhstan|KAZ
UZ|乌兹别克斯坦|Uzbekistan|UZB
AU|澳大利亚|澳洲|Australia|AUS
NZ|新西兰|纽西兰|New Zealand|NZL
"""

# Mainland provinces: a catalogue of Chinese exhibitors often puts these in 国家/地区.
PROVINCES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆",
    "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆",
)
_PROVINCE_SUFFIX = re.compile(r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区)$")
_FOLD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    return _FOLD.sub("", simplify(unicodedata.normalize("NFKC", text or "").lower()))


def _index() -> dict[str, str]:
    names: dict[str, str] = {}
    for line in _TABLE.strip().splitlines():
        code, *variants = line.split("|")
        names[fold(code)] = code
        for variant in variants:
            names[fold(variant)] = code
    return names


_NAMES = _index()


@lru_cache(maxsize=1024)
def country_code(text: str) -> str | None:
    """ISO2 code of a country name or code in Chinese or English; None when unknown."""
    key = fold(text)
    if not key:
        return None
    if key in _NAMES:
        return _NAMES[key]
    if province_of(text):
        return "CN"
    for suffix in ("地区", "国"):
        if key.endswith(suffix) and key[: -len(suffix)] in _NAMES:
            return _NAMES[key[: -len(suffix)]]
    return None


def province_of(text: str) -> str | None:
    """The short name of a mainland province ("广东省" → "广东"), or None."""
    short = _PROVINCE_SUFFIX.sub("", simplify((text or "").strip()))
    return short if short in PROVINCES else None
