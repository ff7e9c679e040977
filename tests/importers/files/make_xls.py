"""Write the tiny .xls (BIFF8) fixtures the importer tests read; no xlwt needed.

    python tests/importers/files/make_xls.py

An .xls file is an OLE2 compound document holding one "Workbook" stream of BIFF8
records: the workbook globals (BOF, code page, formats, sheet list, EOF), then each
sheet (BOF, cells, merged ranges, EOF). Only what python-calamine needs is written.
`encrypted_xlsx` writes the shell of a password-protected .xlsx (an OLE2 file with an
"EncryptedPackage" stream) for the password test.
"""
from __future__ import annotations

import struct
from datetime import date
from pathlib import Path

HERE = Path(__file__).parent
ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
SECTOR = 512
DATE_XF = 1  # the XF record below that formats a number as a date (built-in format 14)


def record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def unicode_string(text: str, length_bytes: int = 2) -> bytes:
    """XLUnicodeString (2-byte length) or ShortXLUnicodeString (1 byte), UTF-16LE."""
    size = struct.pack("<H" if length_bytes == 2 else "<B", len(text))
    return size + b"\x01" + text.encode("utf-16-le")


def bof(kind: int) -> bytes:
    return record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x0006))


def cell(row: int, col: int, value: object) -> bytes:
    if isinstance(value, str):
        return record(0x0204, struct.pack("<HHH", row, col, 0) + unicode_string(value))
    if isinstance(value, date):
        serial = (value - date(1899, 12, 30)).days
        return record(0x0203, struct.pack("<HHHd", row, col, DATE_XF, float(serial)))
    return record(0x0203, struct.pack("<HHHd", row, col, 0, float(value)))  # type: ignore[arg-type]


def sheet_stream(rows: list[list[object]], merges: list[tuple[int, int, int, int]]) -> bytes:
    body = bof(0x0010)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value not in (None, ""):
                body += cell(r, c, value)
    if merges:
        ranges = b"".join(struct.pack("<HHHH", *m) for m in merges)
        body += record(0x00E5, struct.pack("<H", len(merges)) + ranges)
    return body + record(0x000A, b"")


def workbook_stream(sheets: dict[str, tuple[list[list[object]], list]]) -> bytes:
    xfs = [record(0x00E0, struct.pack("<HH", 0, fmt) + bytes(16)) for fmt in (0, 14)]
    bodies = [sheet_stream(rows, merges) for rows, merges in sheets.values()]

    def globals_with(offsets: list[int]) -> bytes:
        listed = b"".join(
            record(0x0085, struct.pack("<IBB", offset, 0, 0) + unicode_string(name, 1))
            for offset, name in zip(offsets, sheets, strict=True))
        # An unknown record pads the stream past 4,096 bytes, so it lives in ordinary
        # sectors and no mini stream has to be written.
        padding = record(0x00E1, bytes(4200))
        return (bof(0x0005) + record(0x0042, struct.pack("<H", 1200)) + b"".join(xfs)
                + padding + listed + record(0x000A, b""))

    head = globals_with([0] * len(bodies))
    offsets, position = [], len(head)
    for body in bodies:
        offsets.append(position)
        position += len(body)
    return globals_with(offsets) + b"".join(bodies)


def compound_file(streams: dict[str, bytes]) -> bytes:
    """An OLE2 (CFB v3) file holding the given streams, each at least 4,096 bytes."""
    data, starts, next_sector = b"", [], 1  # sector 0 holds the FAT
    chains: list[int] = []
    for payload in streams.values():
        count = -(-len(payload) // SECTOR)
        starts.append(next_sector)
        chains += [next_sector + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
        data += payload.ljust(count * SECTOR, b"\0")
        next_sector += count
    directory_sector = next_sector
    fat = [FATSECT] + chains + [ENDOFCHAIN]
    fat += [FREESECT] * (SECTOR // 4 - len(fat))
    entries = [_directory_entry("Root Entry", 5, ENDOFCHAIN, 0, child=1)]
    for i, (name, payload) in enumerate(streams.items()):
        sibling = i + 2 if i + 1 < len(streams) else NOSTREAM
        entries.append(_directory_entry(name, 2, starts[i], len(payload), right=sibling))
    directory = b"".join(entries).ljust(SECTOR, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
              + struct.pack("<HHHHH", 0x003E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIIIIIIII", 0, 1, directory_sector, 0, 4096, ENDOFCHAIN, 0,
                            ENDOFCHAIN, 0)
              + struct.pack("<I", 0) + struct.pack("<I", FREESECT) * 108)
    return header + struct.pack(f"<{SECTOR // 4}I", *fat) + data + directory


def _directory_entry(name: str, kind: int, start: int, size: int, *,
                     child: int = NOSTREAM, right: int = NOSTREAM) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", NOSTREAM, right, child) + bytes(16) + bytes(4)
            + bytes(16) + struct.pack("<II", start, size) + bytes(4))


CATALOGUE = {
    "封面": ([["2025中国国际汽车零部件博览会"]], []),
    "展商名录": ([
        ["2025中国国际汽车零部件博览会展商名录", None, None, None, None],
        ["公司名称", "展位号", "面积", "国家", "报名日期"],
        ["上海某某汽车配件有限公司", "N1A01", 36.0, "中国", date(2025, 3, 1)],
        ["Bosch Automotive GmbH", "N2B02", 54.5, "德国", date(2025, 3, 2)],
        ["宁波某某模具有限公司 Ningbo Moumou Mould Co., Ltd.", "E3C03", 9, "中国", None],
    ], [(0, 0, 0, 4)]),
}


def main() -> None:
    (HERE / "catalogue.xls").write_bytes(compound_file({"Workbook": workbook_stream(CATALOGUE)}))


def encrypted_xlsx() -> bytes:
    """The outside of a password-protected .xlsx: OLE2 with an encrypted package."""
    return compound_file({"EncryptionInfo": bytes(4096), "EncryptedPackage": bytes(4096)})


if __name__ == "__main__":
    main()
