"""Reading sheets: formats, encodings, delimiters, header rows, merged headers, bad files."""
from __future__ import annotations

import datetime as dt
import os
import random
import tracemalloc

import pytest

from crm.importers import sources, tables
from crm.importers.errors import UnreadableFile
from crm.importers.tables import iter_sheet_rows, list_sheets, read_sheet
from tests.importers.conftest import (
    CATALOGUE_HEADER,
    CATALOGUE_ROWS,
    FILES,
    TITLE,
    catalogue_rows,
)
from tests.importers.files.make_xls import encrypted_xlsx

# ---- workbooks --------------------------------------------------------------------------


def test_xlsx_title_row_above_the_header_is_skipped(write_xlsx):
    path = write_xlsx("展商名录.xlsx", {"展商": [[TITLE], [], CATALOGUE_HEADER, *CATALOGUE_ROWS]},
                      merges={"展商": ["A1:O1"]})

    sheet = read_sheet(path)

    assert sheet.name == "展商"
    assert sheet.header_row == 3
    assert sheet.first_data_row == 4
    assert sheet.headers == CATALOGUE_HEADER
    assert sheet.rows[0][1] == "上海某某汽车配件有限公司"
    assert sheet.row_numbers == [4, 5, 6, 7]


def test_cells_are_stripped_text_numbers_without_trailing_zero_dates_iso(write_xlsx):
    path = write_xlsx("cells.xlsx", {"Sheet": [
        ["公司名称", "面积", "电话", "日期", "时间", "备注"],
        ["  某某公司\u3000", 36.0, 13812345678, dt.date(2025, 4, 23),
         dt.datetime(2025, 4, 23, 9, 30), "a\u200bb\u3000c"],
        ["某某二公司", 12.5, None, None, None, True],
    ]})

    rows = read_sheet(path).rows

    assert rows[0] == ["某某公司", "36", "13812345678", "2025-04-23", "2025-04-23T09:30:00", "ab c"]
    assert rows[1] == ["某某二公司", "12.5", "", "", "", "TRUE"]


def test_merged_group_header_over_two_rows_is_combined(write_xlsx):
    rows = [[TITLE], ["序号", "公司名称", "展位号", "联系方式", None, "地址"],
            [None, None, None, "电话", "邮箱", None],
            ["1", "上海某某有限公司", "N1A01", "021-58881234", "info@moumou.cn", "上海"]]
    path = write_xlsx("merged.xlsx", {"展商": rows},
                      merges={"展商": ["A1:F1", "A2:A3", "B2:B3", "C2:C3", "D2:E2", "F2:F3"]})

    sheet = read_sheet(path)

    assert sheet.header_row == 2
    assert sheet.first_data_row == 4
    assert sheet.headers == ["序号", "公司名称", "展位号", "联系方式 » 电话", "联系方式 » 邮箱", "地址"]
    assert sheet.rows == [["1", "上海某某有限公司", "N1A01", "021-58881234", "info@moumou.cn", "上海"]]


def test_two_row_header_without_merge_information_is_combined(write_text):
    path = write_text("two_rows.csv", [
        ["公司名称", "展位号", "联系人", "", ""],
        ["", "", "姓名", "手机", "邮箱"],
        ["某某有限公司", "A01", "李雷", "13900001111", "li@moumou.cn"],
    ])

    sheet = read_sheet(path)

    assert sheet.headers == ["公司名称", "展位号", "联系人 » 姓名", "联系人 » 手机", "联系人 » 邮箱"]
    assert sheet.rows[0][3] == "13900001111"


def test_company_cell_merged_over_two_booth_rows_fills_both(write_xlsx):
    path = write_xlsx("two_booths.xlsx", {"展商": [
        ["公司名称", "展位号"], ["上海某某有限公司", "N1A01"], [None, "N2B02"], ["另一公司", "E1"]]},
        merges={"展商": ["A2:A3"]})

    assert read_sheet(path).rows == [["上海某某有限公司", "N1A01"], ["上海某某有限公司", "N2B02"],
                                     ["另一公司", "E1"]]


def test_empty_rows_and_columns_are_dropped_and_header_repeats_skipped(write_xlsx):
    path = write_xlsx("gaps.xlsx", {"展商": [
        [None, "公司名称", None, "展位号"], [], [None, "甲公司", None, "A1"],
        [None, "公司名称", None, "展位号"], [None, "乙公司", None, "B2"]]})

    sheet = read_sheet(path)

    assert sheet.headers == ["公司名称", "展位号"]
    assert sheet.columns == [1, 3]
    assert sheet.rows == [["甲公司", "A1"], ["乙公司", "B2"]]
    assert sheet.row_numbers == [3, 5]
    assert sheet.column_label(1) == "展位号"


def test_unnamed_column_with_data_is_kept_and_labelled_by_letter(write_xlsx):
    path = write_xlsx("unnamed.xlsx", {"S": [["公司名称", "展位号", None], ["甲公司", "A1", "备用"]]})

    sheet = read_sheet(path)

    assert sheet.headers == ["公司名称", "展位号", ""]
    assert sheet.column_label(2) == "C"


def test_first_sheet_with_a_company_column_is_chosen(write_xlsx):
    path = write_xlsx("book.xlsx", {
        "说明": [["本名录由主办方提供"], ["仅供参考"]],
        "统计": [["展馆", "展商数"], ["N1", "120"]],
        "展商名录": [CATALOGUE_HEADER, *CATALOGUE_ROWS],
    })

    assert list_sheets(path) == ["说明", "统计", "展商名录"]
    assert read_sheet(path).name == "展商名录"
    assert read_sheet(path, "统计").headers == ["展馆", "展商数"]


def test_missing_sheet_names_the_sheets_there_are(write_xlsx):
    path = write_xlsx("book.xlsx", {"展商": [["公司名称"], ["甲"]]})

    with pytest.raises(UnreadableFile) as caught:
        read_sheet(path, "Sheet9")

    assert "book.xlsx" in caught.value.message
    assert "'Sheet9'" in caught.value.message and "'展商'" in caught.value.message


def test_xls_file_is_read_with_title_row_skipped():
    path = FILES / "catalogue.xls"

    sheet = read_sheet(path)

    assert list_sheets(path) == ["封面", "展商名录"]
    assert sheet.name == "展商名录"
    assert sheet.header_row == 2
    assert sheet.headers == ["公司名称", "展位号", "面积", "国家", "报名日期"]
    assert sheet.rows[0] == ["上海某某汽车配件有限公司", "N1A01", "36", "中国", "2025-03-01"]
    assert sheet.rows[1][2] == "54.5"


def test_xls_named_file_that_is_really_tab_separated_text_is_read(write_text):
    path = write_text("export.xls", [["公司名称", "展位号"], ["甲公司", "A1"]], delimiter="\t")

    assert read_sheet(path).rows == [["甲公司", "A1"]]


def test_max_rows_limits_the_data_rows(write_xlsx):
    path = write_xlsx("many.xlsx", {"S": [CATALOGUE_HEADER, *CATALOGUE_ROWS]})

    assert len(read_sheet(path, max_rows=2).rows) == 2


# ---- text: encodings and delimiters ----------------------------------------------------

@pytest.mark.parametrize(("encoding", "expected"), [
    ("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM)"), ("gbk", "GB18030"), ("gb18030", "GB18030"),
    ("utf-16", "UTF-16"),
])
def test_csv_in_each_encoding_reads_the_same(write_text, encoding, expected):
    path = write_text(f"catalogue_{encoding}.csv", [[TITLE], CATALOGUE_HEADER, *CATALOGUE_ROWS],
                      encoding=encoding)

    sheet = read_sheet(path)

    assert sheet.encoding == expected
    assert sheet.header_row == 2
    assert sheet.headers == CATALOGUE_HEADER
    assert sheet.rows == CATALOGUE_ROWS


def test_gb18030_only_characters_are_read(write_text):
    rows = [["公司名称", "地址"], ["广州刘䶮𠮷贸易有限公司", "广州"]]
    with pytest.raises(UnicodeEncodeError):
        "䶮".encode("gbk")
    path = write_text("gb18030.csv", rows, encoding="gb18030")

    assert read_sheet(path).rows == [["广州刘䶮𠮷贸易有限公司", "广州"]]


def test_gbk_csv_with_ascii_lines_first_is_detected_beyond_the_sample(write_text, monkeypatch):
    monkeypatch.setattr(sources, "SAMPLE_BYTES", 1024)
    rows = [["Company", "Booth"]] + [[f"Moumou {i} Ltd.", f"A{i}"] for i in range(200)]
    path = write_text("late.csv", [*rows, ["上海某某有限公司", "N1A01"]], encoding="gbk")

    assert read_sheet(path).rows[-1] == ["上海某某有限公司", "N1A01"]


def test_big5_csv_from_taiwan(write_text):
    rows = [["公司名稱", "展位號", "地址"], ["台灣某某精密股份有限公司", "N1A20", "臺北市松山區南京東路"],
            ["香港某某貿易有限公司", "N2B01", "香港灣仔港灣道"]]
    path = write_text("taiwan.csv", rows, encoding="big5")

    sheet = read_sheet(path)

    assert (sheet.encoding, sheet.headers, sheet.rows) == ("Big5", rows[0], rows[1:])


def test_windows_1252_csv_from_europe(write_text):
    rows = [["Company", "Booth", "City"], ["Müller Maschinenbau GmbH", "A1", "München"],
            ["Société Générale Équipements", "B2", "Orléans"], ["Föhr Technik AG", "C3", "Zürich"]]
    path = write_text("europe.csv", rows, encoding="cp1252")

    sheet = read_sheet(path)

    assert (sheet.encoding, sheet.rows) == ("Windows-1252", rows[1:])


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_delimiter_is_detected(write_text, delimiter):
    path = write_text("delimited.txt", [CATALOGUE_HEADER, *CATALOGUE_ROWS], delimiter=delimiter)

    assert read_sheet(path).rows == CATALOGUE_ROWS


def test_quoted_cells_with_commas_and_line_breaks(write_text):
    path = write_text("quoted.csv", [["公司名称", "地址"],
                                     ["上海某某有限公司\nShanghai Moumou Co., Ltd.", "上海, 嘉定区"]])

    assert read_sheet(path).rows == [["上海某某有限公司\nShanghai Moumou Co., Ltd.", "上海, 嘉定区"]]


def test_nul_bytes_in_csv_are_removed(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes("公司名称,展位号\n某某\x00公司,A1\n".encode())

    assert read_sheet(path).rows == [["某某公司", "A1"]]


def test_damaged_utf8_byte_is_replaced_and_reported(tmp_path):
    good = "".join(f"上海某某{i}有限公司,A{i}\n" for i in range(40)).encode()
    path = tmp_path / "damaged.csv"
    path.write_bytes("公司名称,展位号\n".encode() + good + b"\xff\xfe\xfd,A99\n")

    sheet = read_sheet(path)

    assert sheet.encoding == "UTF-8"
    assert sheet.rows[0] == ["上海某某0有限公司", "A0"]
    assert any("could not be decoded" in w for w in sheet.warnings)


# ---- bad files ---------------------------------------------------------------------------

def _error(path) -> str:
    with pytest.raises(UnreadableFile) as caught:
        read_sheet(path)
    assert caught.value.file == str(path)
    assert path.name in caught.value.message
    return caught.value.message


def test_png_renamed_xlsx_is_not_a_spreadsheet(tmp_path):
    path = tmp_path / "展商名录.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)

    assert "not a spreadsheet" in _error(path) and "PNG" in _error(path)


def test_random_bytes_renamed_xlsx_is_not_a_spreadsheet(tmp_path):
    path = tmp_path / "random.xlsx"
    path.write_bytes(random.Random(7).randbytes(5000))

    assert "not a spreadsheet" in _error(path)


def test_word_document_renamed_xlsx_says_what_it_is(tmp_path):
    import zipfile
    path = tmp_path / "名录.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")

    assert "Word document" in _error(path)


def test_truncated_xlsx_is_damaged(write_xlsx):
    path = write_xlsx("cut.xlsx", {"S": [CATALOGUE_HEADER, *CATALOGUE_ROWS]})
    path.write_bytes(path.read_bytes()[:900])

    assert "damaged" in _error(path) or "cannot be read" in _error(path)


def test_password_protected_xlsx_says_so(tmp_path):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(encrypted_xlsx())

    assert "password-protected" in _error(path)


def test_html_saved_as_xls_says_so(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<html><body><table><tr><td>公司名称</td></tr></table></body></html>")

    assert "HTML" in _error(path)


def test_bytes_invalid_in_every_encoding_are_refused(tmp_path):
    path = tmp_path / "garbled.csv"
    path.write_bytes(b"name,city\n" + b"\xff\x81\x9d\xff\x80,\x8d\x90\xff\n" * 20)

    message = _error(path)

    assert "encoding" in message and "UTF-8" in message


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    assert "empty" in _error(path)


def test_file_of_blank_lines_is_empty(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("\n , ,\n\n")

    assert "empty" in _error(path)


def test_workbook_whose_sheets_are_all_empty_is_refused(write_xlsx):
    path = write_xlsx("blank.xlsx", {"Sheet1": [], "Sheet2": []})

    assert "every sheet is empty" in _error(path)


def test_empty_sheet_asked_for_by_name_is_refused(write_xlsx):
    path = write_xlsx("book.xlsx", {"展商": [["公司名称"], ["甲"]], "空表": []})

    with pytest.raises(UnreadableFile) as caught:
        read_sheet(path, "空表")

    assert "sheet '空表' is empty" in caught.value.message
    assert "book.xlsx" in caught.value.message


def test_missing_file_is_unreadable(tmp_path):
    with pytest.raises(UnreadableFile, match="nowhere.csv"):
        read_sheet(tmp_path / "nowhere.csv")


# ---- streaming and speed -----------------------------------------------------------------

def test_streaming_a_big_csv_keeps_memory_bounded(tmp_path):
    path = tmp_path / "big.csv"
    header = "公司名称,展位号,面积,电话\n"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(header)
        for start in range(0, 200_000, 10_000):
            fh.write("".join(f"上海某某{i}有限公司,N{i},36,021-{50000000 + i}\n"
                             for i in range(start, start + 10_000)))
    tracemalloc.start()
    try:
        count = 0
        with iter_sheet_rows(path) as stream:
            for _number, cells in stream:
                count += 1
                last = cells
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 200_000
    assert last == ["上海某某199999有限公司", "N199999", "36", "021-50199999"]
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB: rows were held in memory"


def test_huge_xlsx_sheet_is_streamed_with_openpyxl(write_xlsx, monkeypatch):
    monkeypatch.setattr(sources, "STREAM_XLSX_ABOVE", 0)
    path = write_xlsx("huge.xlsx", {"展商": [[TITLE], CATALOGUE_HEADER, *CATALOGUE_ROWS]})

    with iter_sheet_rows(path) as stream:
        assert stream.header_row == 2
        rows = [cells for _, cells in stream]

    assert rows == CATALOGUE_ROWS


def test_stream_closes_the_file_when_left_early(write_text):
    path = write_text("early.csv", [CATALOGUE_HEADER, *CATALOGUE_ROWS])

    with iter_sheet_rows(path) as stream:
        rows = iter(stream)
        next(rows)
        assert str(path) in _open_files()

    assert str(path) not in _open_files()


def _open_files() -> set[str]:
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    return found


def test_a_100k_row_csv_is_read_whole(tmp_path):
    path = tmp_path / "100k.csv"
    lines = [",".join(CATALOGUE_HEADER)] + [",".join(r) for r in catalogue_rows(100_000)]
    path.write_text("\n".join(lines), encoding="utf-8")

    sheet = read_sheet(path)

    assert len(sheet.rows) == 100_000


def test_a_100k_row_xlsx_is_read_whole(write_big_xlsx):
    path = write_big_xlsx("100k.xlsx", [[TITLE], CATALOGUE_HEADER, *catalogue_rows(100_000)])

    sheet = read_sheet(path)

    assert sheet.header_row == 2 and len(sheet.rows) == 100_000


def test_cell_text_formats_values():
    assert tables.cell_text(3.0) == "3"
    assert tables.cell_text(0.1 + 0.2) == "0.3"
    assert tables.cell_text(float("nan")) == ""
    assert tables.cell_text(dt.datetime(2025, 1, 2)) == "2025-01-02"
    assert tables.cell_text("  a\u00a0b\r\nc ") == "a b\nc"


def test_progress_goes_from_zero_to_one(write_text, write_xlsx):
    for path in (write_text("p.csv", [CATALOGUE_HEADER, *catalogue_rows(3000)]),
                 write_xlsx("p.xlsx", {"S": [CATALOGUE_HEADER, *catalogue_rows(300)]})):
        with iter_sheet_rows(path, lookahead=10) as stream:
            seen = [stream.progress() for _ in stream]
            assert 0 < seen[0] < 0.5 < seen[-1] <= 1.0
            assert seen == sorted(seen)
        assert stream.progress() == 1.0


def test_header_without_data_is_a_warning_not_an_error(write_xlsx):
    path = write_xlsx("header_only.xlsx", {"展商": [[TITLE], CATALOGUE_HEADER]})

    sheet = read_sheet(path)

    assert sheet.rows == [] and sheet.header_row == 2
    assert sheet.warnings == [
        "header_only.xlsx: sheet '展商' has a header in row 2 but no data below it"]


def test_preview_of_a_big_csv_reads_only_its_start(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("公司名称,展位号\n" + "".join(f"某某{i}公司,A{i}\n" for i in range(100_000)),
                    encoding="utf-8")

    with iter_sheet_rows(path, max_rows=5, lookahead=None) as stream:
        assert stream.progress() < 0.1
        rows = list(stream)

    assert [cells[0] for _, cells in rows] == [f"某某{i}公司" for i in range(5)]
    assert len(read_sheet(path, max_rows=5).rows) == 5
