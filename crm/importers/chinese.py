"""Traditional → simplified for the characters of header words, booth types and countries.

Catalogues from Taiwan and Hong Kong write 公司名稱, 展位號, 電話, 特裝, 德國. Folding the few
characters those words use is enough to recognise them; names themselves are left as
typed (the matching service compares traditional and simplified names on its own).
"""
from __future__ import annotations

_TRADITIONAL = ("稱號電話郵網聯繫係國業單館廳積類團傳職務門碼編產經營範圍說備別詳細辦訊絡負責頭銜屬統會識納稅攤臺標準"
                "裝內貿來資區頁機動維灣韓義亞蘭與爾羅烏聖馬們為費戶種鎮縣鄉價額數場廣東圖書設計銷售貨購總監級紐")
_SIMPLIFIED = ("称号电话邮网联系系国业单馆厅积类团传职务门码编产经营范围说备别详细办讯络负责头衔属统会识纳税摊台标准"
               "装内贸来资区页机动维湾韩义亚兰与尔罗乌圣马们为费户种镇县乡价额数场广东图书设计销售货购总监级纽")
_TABLE = str.maketrans(_TRADITIONAL, _SIMPLIFIED)


def simplify(text: str) -> str:
    """Fold the traditional characters of known words to simplified ones."""
    return text.translate(_TABLE)
