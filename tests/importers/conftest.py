"""Fixture files for the importer tests, written by the tests themselves into tmp_path.

`write_xlsx` uses openpyxl (merged cells, several sheets); `write_big_xlsx` writes the
sheet XML directly, which is fast enough for 100,000 rows; `write_text` encodes a CSV in
any encoding. CATALOGUE_ROWS is a small, real-looking catalogue used in several tests.
"""
from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest

from crm.importers.mapping import column_letter

FILES = Path(__file__).parent / "files"

TITLE = "2025中国国际汽车零部件博览会展商名录"
CATALOGUE_HEADER = ["序号", "展商名称", "英文名称", "展馆", "展位号", "面积(㎡)", "展位类型", "国家/地区",
                    "联系人", "职务", "电话", "手机", "邮箱", "网址", "地址"]
CATALOGUE_ROWS = [
    ["1", "上海某某汽车配件有限公司", "Shanghai Moumou Auto Parts Co., Ltd.", "N1", "N1A01", "36",
     "特装", "中国", "张伟", "销售经理", "021-58881234", "13812345678", "zhang.wei@moumou.com.cn",
     "www.moumou.com.cn", "上海市嘉定区安亭镇墨玉路185号"],
    ["2", "Robert Bosch GmbH", "", "W2", "W2B05", "6x6", "光地", "德国", "Anna Müller",
     "Marketing", "+49 711 400 40990", "", "anna.mueller@de.bosch.com", "https://www.bosch.com",
     "Robert-Bosch-Platz 1, 70839 Gerlingen"],
    ["3", "宁波某某模具有限公司", "Ningbo Moumou Mould Co., Ltd.", "E3", "E3C12", "9", "标摊",
     "中国", "", "", "0574-87654321 / 0574-87654322", "", "sales@nbmoumou.com", "", "浙江省宁波市北仑区"],
    ["4", "台湾某某精密股份有限公司", "", "N1", "N1A20", "18", "标准展位", "台湾", "陈志明", "总经理",
     "+886 2 2712 3456", "", "chen@moumou.com.tw", "www.moumou.com.tw", "台北市松山区"],
]


@pytest.fixture()
def write_xlsx(tmp_path: Path) -> Callable[..., Path]:
    """Write an .xlsx: sheets as {name: rows}, merges as {name: ["A1:C1", …]}."""

    def write(name: str, sheets: dict[str, Sequence[Sequence[object]]],
              merges: dict[str, list[str]] | None = None) -> Path:
        book = openpyxl.Workbook()
        book.remove(book.active)
        for title, rows in sheets.items():
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(list(row))
            for cells in (merges or {}).get(title, []):
                sheet.merge_cells(cells)
        path = tmp_path / name
        book.save(path)
        return path

    return write


@pytest.fixture()
def write_text(tmp_path: Path) -> Callable[..., Path]:
    """Write rows as delimited text in an encoding (utf-8-sig adds the BOM)."""

    def write(name: str, rows: Sequence[Sequence[str]], encoding: str = "utf-8",
              delimiter: str = ",") -> Path:
        lines = [delimiter.join(_quoted(cell, delimiter) for cell in row) for row in rows]
        path = tmp_path / name
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
        return path

    return write


def _quoted(cell: str, delimiter: str) -> str:
    if any(ch in cell for ch in (delimiter, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


@pytest.fixture()
def write_big_xlsx(tmp_path: Path) -> Callable[..., Path]:
    """Write a one-sheet .xlsx with inline strings, fast enough for 100,000 rows."""

    def write(name: str, rows: Sequence[Sequence[str]]) -> Path:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for member, text in _package_parts().items():
                archive.writestr(member, text)
            archive.writestr("xl/worksheets/sheet1.xml", _sheet_xml(rows))
        return path

    return write


def _sheet_xml(rows: Sequence[Sequence[str]]) -> str:
    out = [('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            "<sheetData>")]
    letters = [column_letter(i) for i in range(max(len(r) for r in rows))]
    for number, row in enumerate(rows, start=1):
        cells = "".join(f'<c r="{letters[i]}{number}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
                        for i, v in enumerate(row) if v)
        out.append(f'<row r="{number}">{cells}</row>')
    out.append("</sheetData></worksheet>")
    return "".join(out)


def _package_parts() -> dict[str, str]:
    ns = "http://schemas.openxmlformats.org"
    return {
        "[Content_Types].xml":
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        "_rels/.rels":
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        "xl/workbook.xml":
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/main" '
            f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets>'
            '<sheet name="展商名录" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels":
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
    }


def catalogue_rows(count: int) -> list[list[str]]:
    """`count` generated exhibitor rows shaped like CATALOGUE_HEADER."""
    return [[str(i), f"上海某某{i}机械制造有限公司", f"Shanghai Moumou {i} Machinery Co., Ltd.", f"N{i % 5}",
             f"N{i % 5}A{i:06d}", str(9 * (i % 8 + 1)), "特装" if i % 3 else "标摊", "中国",
             "王芳", "采购经理", f"021-{50000000 + i}", f"139{i:08d}", f"sales{i}@moumou{i}.cn",
             f"www.moumou{i}.cn", "上海市浦东新区龙阳路2345号"] for i in range(1, count + 1)]
