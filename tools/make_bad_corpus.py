#!/usr/bin/env python3
"""Regenerate ``tests/corpus/bad/``: files that are not good Amazon exports, and their manifest.

    python tools/make_bad_corpus.py            # rewrite tests/corpus/bad/ in place
    python tools/make_bad_corpus.py --out DIR  # write the corpus somewhere else
    python tools/make_bad_corpus.py --check    # exit 1 if the committed corpus differs

The output is byte-for-byte deterministic: no clock, no randomness without a fixed seed, zip
members with a fixed timestamp. ``tests/test_bad_inputs.py`` regenerates the corpus into a
temporary folder and compares it with the committed one.

The folder layout mirrors an export folder (``US/``, ``DE/2026-W47/`` …) so the whole corpus
can be dropped on top of the bundled demo store (``sheetsbot/demo/exports``): the bad files
take their marketplace and period hints from those folders exactly as a user's files would.

Every file has an entry in ``MANIFEST.yaml``: the case, the action sheetsbot must take
(``skipped``, ``refused whole`` or ``read with warning``), substrings its one-line message must
contain, and why the case matters. The 50 MB one-line file is not committed; the test builds it
with :func:`one_line_file` in its temporary folder.

Only the standard library and PyYAML are used, so the generator does not depend on sheetsbot.
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import gzip
import io
import random
import shutil
import struct
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus" / "bad"
MANIFEST_NAME = "MANIFEST.yaml"
BOM = b"\xef\xbb\xbf"
#: Zip members get this timestamp, so a rebuilt xlsx is the same bytes.
ZIP_TIME = (2026, 11, 23, 9, 30, 0)

SKIPPED, REFUSED, WARNED = "skipped", "refused whole", "read with warning"

# -- real header spellings (shared/amazon-exports.md and the demo store) ---------------

BR_US = [
    "(Parent) ASIN",
    "(Child) ASIN",
    "Title",
    "SKU",
    "Sessions - Total",
    "Sessions - Total - B2B",
    "Session Percentage - Total",
    "Session Percentage - Total - B2B",
    "Page Views - Total",
    "Page Views - Total - B2B",
    "Page Views Percentage - Total",
    "Page Views Percentage - Total - B2B",
    "Featured Offer (Buy Box) Percentage",
    "Featured Offer (Buy Box) Percentage - B2B",
    "Units Ordered",
    "Units Ordered - B2B",
    "Unit Session Percentage",
    "Unit Session Percentage - B2B",
    "Ordered Product Sales",
    "Ordered Product Sales - B2B",
    "Total Order Items",
    "Total Order Items - B2B",
]
BR_DE = [
    "(Übergeordnete) ASIN",
    "(Untergeordnete) ASIN",
    "Titel",
    "SKU",
    "Sitzungen – Summe",
    "Sitzungen – Summe – B2B",
    "Sitzungsprozentsatz – Summe",
    "Sitzungsprozentsatz – Summe – B2B",
    "Seitenaufrufe – Summe",
    "Seitenaufrufe – Summe – B2B",
    "Prozentsatz der Seitenaufrufe – Summe",
    "Prozentsatz der Seitenaufrufe – Summe – B2B",
    "Prozentsatz des empfohlenen Angebots (Buy Box)",
    "Prozentsatz des empfohlenen Angebots (Buy Box) – B2B",
    "Bestellte Einheiten",
    "Bestellte Einheiten – B2B",
    "Prozentsatz Einheiten pro Sitzung",
    "Prozentsatz Einheiten pro Sitzung – B2B",
    "Durch bestellte Produkte erzielter Umsatz",
    "Bestellsumme – B2B",
    "Zahl der Bestellposten",
    "Zahl der Bestellposten – B2B",
]
BR_DATE_US = [
    "Date",
    "Ordered Product Sales",
    "Ordered Product Sales - B2B",
    "Units Ordered",
    "Units Ordered - B2B",
    "Total Order Items",
    "Total Order Items - B2B",
    "Page Views - Total",
    "Page Views - Total - B2B",
    "Sessions - Total",
    "Sessions - Total - B2B",
    "Featured Offer Percentage",
    "Featured Offer Percentage - B2B",
    "Unit Session Percentage",
    "Unit Session Percentage - B2B",
    "Average Offer Count",
    "Average Parent Items",
]
SP_CAMPAIGN = [
    "Date",
    "Start Date",
    "End Date",
    "Portfolio name",
    "Campaign Type",
    "Campaign Name",
    "Status",
    "Currency",
    "Budget",
    "Targeting Type",
    "Bidding strategy",
    "Impressions",
    "Last Year Impressions",
    "Clicks",
    "Last Year Clicks",
    "Click-Thru Rate (CTR)",
    "Spend",
    "Last Year Spend",
    "Cost Per Click (CPC)",
    "Last Year Cost Per Click (CPC)",
    "7 Day Total Orders (#)",
    "Total Advertising Cost of Sales (ACoS) ",
    "7 Day Total Sales ",
]
SB_SEARCH_TERM = [
    "Date",
    "Portfolio name",
    "Currency",
    "Campaign Name",
    "Ad Group Name",
    "Targeting",
    "Match Type",
    "Customer Search Term",
    "Impressions",
    "Clicks",
    "Click-Thru Rate (CTR)",
    "Cost Per Click (CPC)",
    "Spend",
    "Total Advertising Cost of Sales (ACOS) ",
    "Total Return on Advertising Spend (ROAS)",
    "14 Day Total Sales ",
    "14 Day Total Orders (#)",
    "14 Day Total Units (#)",
    "14 Day Conversion Rate",
]
INVENTORY = [
    "sku",
    "fnsku",
    "asin",
    "product-name",
    "condition",
    "your-price",
    "mfn-listing-exists",
    "mfn-fulfillable-quantity",
    "afn-listing-exists",
    "afn-warehouse-quantity",
    "afn-fulfillable-quantity",
    "afn-unsellable-quantity",
    "afn-reserved-quantity",
    "afn-total-quantity",
    "per-unit-volume",
    "afn-inbound-working-quantity",
    "afn-inbound-shipped-quantity",
    "afn-inbound-receiving-quantity",
    "afn-researching-quantity",
    "afn-reserved-future-supply",
    "afn-future-supply-buyable",
]
ALL_ORDERS = [
    "amazon-order-id",
    "merchant-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "order-channel",
    "url",
    "ship-service-level",
    "product-name",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "gift-wrap-price",
    "gift-wrap-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "promotion-ids",
    "is-business-order",
    "purchase-order-number",
    "price-designation",
]
#: The campaign manager's grid download (not a report), legacy and 2024+ spellings.
GRID_SEARCH_TERMS = [
    "Customer search term",
    "Keywords",
    "Match type",
    "Impressions",
    "Clicks",
    "CTR(%)",
    "Spend(USD)",
    "CPC(USD)",
    "Orders",
    "Sales(USD)",
    "ACOS(%)",
    "RoAS",
    "Conversion rate",
]
GRID_CAMPAIGNS_2024 = [
    "State",
    "Campaigns",
    "Country",
    "Status",
    "Type",
    "Targeting",
    "Retailer",
    "Portfolio",
    "Campaign bidding strategy",
    "Start date",
    "End date",
    "Avg. time in budget",
    "Budget (USD)",
    "Cost type",
    "Impressions",
    "Top-of-search impression share",
    "Clicks",
    "CTR",
    "Total cost (USD)",
    "CPC (USD)",
    "Purchases",
    "Sales (USD)",
    "ACOS",
    "ROAS",
]

# -- the store's products (same ASINs as the demo store, so the files look like its own) ------

US_PRODUCTS = [
    (
        "B0DK4L1TR6",
        "B0DK4M7QX2",
        'Lumen Home Bath Mat 31" x 19" – Ultra Soft Microfiber Non-Slip Bathroom Rug, Machine '
        "Washable, Quick Dry, Grey",
        "LH-BM31-GRY",
        24.99,
    ),
    (
        "B0DK4L1TR6",
        "B0DK4N2HZ8",
        'Lumen Home Bath Mat 31" x 19" – Ultra Soft Microfiber Non-Slip Bathroom Rug, Machine '
        "Washable, Quick Dry, Navy",
        "LH-BM31-NVY",
        24.99,
    ),
    (
        "B0CX7S5MJ9",
        "B0CX7T3KP4",
        'Lumen Home Anti Fatigue Kitchen Mat 17.7" x 30" – Cushioned Waterproof Standing Mat, '
        "Black",
        "LH-KM30-BLK",
        29.99,
    ),
    (
        "B0CM3J8YH5",
        "B0CM3J8YH5",
        'Lumen Home Coir Doormat 30" x 17" "Welcome" – Heavy Duty Non-Slip Outdoor Entrance Mat, '
        "Natural",
        "LH-COIR-WLC",
        19.99,
    ),
    (
        "B0D2H5PE1M",
        "B0D2H7RG8T",
        'Lumen Home Linen-Look Blackout Curtains 52" x 84", 2 Panels, Thermal Insulated Rod '
        "Pocket Drapes – Charcoal",
        "LH-CU84-CHA",
        32.99,
    ),
    (
        "B0D2H5PE1M",
        "B0D2H6QF3R",
        'Lumen Home Linen-Look Blackout Curtains 52" x 84", 2 Panels, Thermal Insulated Rod '
        "Pocket Drapes – Ivory Crème",
        "LH-CU84-IVO",
        32.99,
    ),
]
DE_PRODUCTS = [
    (
        "B0DK4L1TR6",
        "B0DK4M7QX2",
        "Lumen Home Badematte 80 x 50 cm – Flauschiger Badvorleger aus Mikrofaser, rutschfest, "
        "waschbar, Grau",
        "LH-BM31-GRY-EU",
        22.99,
    ),
    (
        "B0CM3J8YH5",
        "B0CM3J8YH5",
        "Lumen Home Kokos-Fußmatte 75 x 45 cm „Welcome“, rutschfeste Fußmatte für außen, Natur",
        "LH-COIR-WLC-EU",
        20.99,
    ),
    (
        "B0DK4L1TR6",
        "B0DK4N2HZ8",
        "Lumen Home Badematte 80 x 50 cm – Flauschiger Badvorleger aus Mikrofaser, rutschfest, "
        "waschbar, Marineblau",
        "LH-BM31-NVY-EU",
        22.99,
    ),
]


# -- small writers --------------------------------------------------------------------------------


def csv_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    delimiter: str = ",",
    bom: bool = True,
    encoding: str = "utf-8",
    quote_all: bool = False,
) -> bytes:
    """Amazon's CSV style: UTF-8 with BOM, LF line ends, quotes only where needed."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=delimiter,
        lineterminator="\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return (BOM if bom else b"") + buffer.getvalue().encode(encoding)


def tsv_bytes(
    header: Sequence[str], rows: Iterable[Sequence[object]], encoding: str = "cp1252"
) -> bytes:
    """Seller Central flat files: tab separated, no quoting, no BOM, cp1252 in the US."""
    lines = ["\t".join(header)] + [
        "\t".join("" if v is None else str(v) for v in row) for row in rows
    ]
    return ("\n".join(lines) + "\n").encode(encoding, errors="replace")


def zip_bytes(members: Sequence[tuple[str, bytes]], *, level: int = 6) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=level)
    return buffer.getvalue()


def _xml_text(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _col(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def sheet_xml(rows: Sequence[Sequence[object]]) -> bytes:
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    ]
    for r, row in enumerate(rows, start=1):
        out.append(f'<row r="{r}">')
        for c, value in enumerate(row):
            ref = f"{_col(c)}{r}"
            if value is None:
                continue
            if isinstance(value, (int, float)):
                out.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                out.append(
                    f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(str(value))}</t></is></c>'  # noqa: E501
                )
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out).encode("utf-8")


def xlsx_bytes(
    sheets: Sequence[tuple[str, Sequence[Sequence[object]]]], application: str = "Microsoft Excel"
) -> bytes:
    """A minimal, valid xlsx (inline strings) that openpyxl and Excel open."""
    ns = "http://schemas.openxmlformats.org"
    types = [
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'  # noqa: E501
        for i in range(1, len(sheets) + 1)
    ]
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Types xmlns="{ns}/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/docProps/app.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        + "".join(types)
        + "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{ns}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'  # noqa: E501
        f'<Relationship Id="rId2" Type="{ns}/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'  # noqa: E501
        "</Relationships>"
    )
    book = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships"><sheets>'  # noqa: E501
        + "".join(
            f'<sheet name="{_xml_text(t)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, (t, _) in enumerate(sheets, 1)
        )
        + "</sheets></workbook>"
    )
    book_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{ns}/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'  # noqa: E501
            for i in range(1, len(sheets) + 1)
        )
        + "</Relationships>"
    )
    app = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Properties xmlns="{ns}/officeDocument/2006/extended-properties"><Application>{application}</Application></Properties>'  # noqa: E501
    )
    members = [
        ("[Content_Types].xml", content_types.encode()),
        ("_rels/.rels", rels.encode()),
        ("docProps/app.xml", app.encode()),
        ("xl/workbook.xml", book.encode()),
        ("xl/_rels/workbook.xml.rels", book_rels.encode()),
    ]
    members += [
        (f"xl/worksheets/sheet{i}.xml", sheet_xml(rows)) for i, (_, rows) in enumerate(sheets, 1)
    ]
    return zip_bytes(members)


def cfb_bytes(streams: Sequence[tuple[str, bytes]]) -> bytes:
    """A Compound File Binary (OLE2) container, version 3, holding ``streams`` in its root.

    This is the container of Excel 97 ``.xls``, Word 97 ``.doc`` and of a password-protected
    ``.xlsx`` (which is not a zip at all: ``EncryptionInfo`` + ``EncryptedPackage``). Streams
    under 4096 bytes live in the mini stream, as the format requires.
    """
    sector, mini, cutoff = 512, 64, 4096
    end, free, fat_mark = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    mini_data, minifat = bytearray(), []
    big: list[tuple[int, bytes]] = []
    entries: list[tuple[str, int, int]] = []  # name, start, size (start filled later for big)
    for i, (name, data) in enumerate(streams):
        if len(data) < cutoff:
            start = len(mini_data) // mini
            count = max(1, -(-len(data) // mini))
            minifat += [start + k + 1 for k in range(count - 1)] + [end]
            mini_data += data.ljust(count * mini, b"\0")
            entries.append((name, start, len(data)))
        else:
            big.append((i, data))
            entries.append((name, -1, len(data)))

    def sectors(data: bytes | bytearray) -> int:
        return max(1, -(-len(data) // sector))

    chains: list[tuple[str, bytes]] = []  # (what, padded data), in file order
    for i, data in big:
        chains.append((f"stream{i}", bytes(data)))
    if mini_data:
        chains.append(("ministream", bytes(mini_data)))
    minifat_bytes = b"".join(struct.pack("<I", x) for x in minifat)
    if minifat:
        minifat_bytes = minifat_bytes.ljust(sectors(minifat_bytes) * sector, b"\xff")
        chains.append(("minifat", minifat_bytes))
    dir_count = 1 + len(entries)
    dir_sectors = -(-dir_count * 128 // sector)
    chains.append(("directory", b"\0" * dir_sectors * sector))  # placeholder, same size
    data_sectors = sum(sectors(d) for _, d in chains)
    fat_sectors = 1
    while (data_sectors + fat_sectors) > fat_sectors * (sector // 4):
        fat_sectors += 1
    starts: dict[str, int] = {}
    fat: list[int] = []
    cursor = 0
    for what, data in chains:
        n = sectors(data)
        starts[what] = cursor
        fat += [cursor + k + 1 for k in range(n - 1)] + [end]
        cursor += n
    fat_start = cursor
    fat += [fat_mark] * fat_sectors
    fat += [free] * (fat_sectors * (sector // 4) - len(fat))

    def dir_entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0"
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", free, right, child)
            + b"\0" * 16
            + b"\0" * 4
            + b"\0" * 16
            + struct.pack("<IIi", start, size, 0)
        )

    # The root's children chained as right siblings in CFB order (shorter names first).
    order = sorted(range(len(entries)), key=lambda i: (len(entries[i][0]), entries[i][0].upper()))
    directory = bytearray()
    root_start = starts.get("ministream", end)
    directory += dir_entry(
        "Root Entry", 5, (order[0] + 1) if order else free, free, root_start, len(mini_data)
    )
    for i, (name, start, size) in enumerate(entries):
        pos = order.index(i)
        right = (order[pos + 1] + 1) if pos + 1 < len(order) else free
        if start == -1:
            start = starts[f"stream{i}"]
        directory += dir_entry(name, 2, free, right, start, size)
    while len(directory) < dir_sectors * sector:
        directory += (
            dir_entry("", 0, free, free, 0, 0)[:64]
            + b"\0" * 2
            + b"\0" * 2
            + struct.pack("<III", free, free, free)
            + b"\0" * 52
        )
    chains = [(w, bytes(directory) if w == "directory" else d) for w, d in chains]

    difat = [fat_start + k for k in range(fat_sectors)] + [free] * (109 - fat_sectors)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack(
            "<IIIIIIIII",
            0,
            fat_sectors,
            starts["directory"],
            0,
            cutoff,
            starts.get("minifat", end),
            sectors(minifat_bytes) if minifat else 0,
            end,
            0,
        )
        + b"".join(struct.pack("<I", x) for x in difat)
    )
    assert len(header) == sector
    body = b"".join(d.ljust(sectors(d) * sector, b"\0") for _, d in chains)
    fat_bytes = b"".join(struct.pack("<I", x) for x in fat)
    return header + body + fat_bytes


# -- row builders -----------------------------------------------------------------------------


def money_us(value: float) -> str:
    return f"${value:,.2f}"


def money_de(value: float) -> str:
    text = f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{text} €"


def br_us_rows(
    scale: float = 1.0, products: Sequence[tuple[str, str, str, str, float]] = US_PRODUCTS
) -> list[list[str]]:
    rows = []
    for i, (parent, child, title, sku, price) in enumerate(products):
        sessions = int((2400 - i * 330) * scale)
        views = int(sessions * 1.37)
        units = int(sessions * 0.12)
        orders = max(units - 3, 0)
        rows.append(
            [
                parent,
                child,
                title,
                sku,
                f"{sessions:,}",
                str(60 - i * 7),
                f"{22.8 - i * 2.9:.2f}%",
                f"{23.9 - i * 3:.2f}%",
                f"{views:,}",
                str(80 - i * 9),
                f"{22.9 - i * 2.8:.2f}%",
                f"{23.98 - i * 3:.2f}%",
                f"{98.84 - i * 0.3:.2f}%",
                "100.00%",
                str(units),
                str(11 - i),
                f"{units / sessions * 100:.2f}%",
                "17.74%",
                money_us(units * price),
                money_us((11 - i) * price),
                str(orders),
                str(11 - i),
            ]
        )
    return rows


def br_de_rows() -> list[list[str]]:
    rows = []
    for i, (parent, child, title, sku, price) in enumerate(DE_PRODUCTS):
        sessions = 2630 - i * 800
        units = int(sessions * 0.1)
        rows.append(
            [
                parent,
                child,
                title,
                sku,
                str(sessions),
                str(71 - i * 20),
                f"{43.95 - i * 10:.2f}%",
                "45.22%",
                str(int(sessions * 1.4)),
                str(98 - i * 30),
                f"{45.42 - i * 10:.2f}%",
                "47.34%",
                "99.00%",
                "100.00%",
                str(units),
                str(9 - i * 2),
                f"{units / sessions * 100:.2f}%",
                "12.68%",
                money_de(units * price),
                money_de((9 - i * 2) * price),
                str(units - 4),
                str(9 - i * 2),
            ]
        )
    return rows


def br_date_us_rows(days: Iterable[date], scale: float = 1.0) -> list[list[str]]:
    rows = []
    for i, day in enumerate(days):
        sales = (3465.76 + 137.5 * (i % 5)) * scale
        sessions = int((1040 + 11 * i) * scale)
        rows.append(
            [
                f"{day.month:02d}/{day.day:02d}/{day.year % 100:02d}",
                money_us(sales),
                money_us(110.96),
                str(124 + i),
                "4",
                str(115 + i),
                "4",
                f"{int(sessions * 1.7):,}",
                "43",
                f"{sessions:,}",
                "22",
                "98.82%",
                "99.42%",
                f"{(124 + i) / sessions * 100:.2f}%",
                "18.18%",
                "15",
                "8",
            ]
        )
    return rows


def ad_day(day: date) -> str:
    return f"{day.strftime('%b')} {day.day}, {day.year}"


def sp_campaign_rows(
    days: Iterable[date],
    campaigns: Sequence[tuple[str, str, str]],
    currency: str = "USD",
    mark: str = "$",
) -> list[list[str]]:
    """(campaign, targeting type, start day) × days → SP campaign report rows."""
    rows = []
    for d, day in enumerate(days):
        for c, (name, targeting, start) in enumerate(campaigns):
            impressions = 10406 + 977 * d + 3101 * c
            clicks = 69 + 3 * d + 11 * c
            spend = round(clicks * (1.09 - 0.07 * c), 2)
            orders = 5 + (d + c) % 7
            sales = round(orders * 24.99, 2)
            rows.append(
                [
                    ad_day(day),
                    start,
                    "",
                    "No Portfolio",
                    "Sponsored Products",
                    name,
                    "ENABLED",
                    currency,
                    f"{mark}65.0",
                    targeting,
                    "Dynamic bids - down only",
                    str(impressions),
                    "",
                    str(clicks),
                    "",
                    f"{clicks / impressions * 100:.2f}%",
                    f"{mark}{spend}",
                    "",
                    f"{mark}{spend / clicks:.7f}",
                    "",
                    str(orders),
                    f"{spend / sales * 100:.2f}%",
                    f"{mark}{sales}",
                ]
            )
    return rows


def week(start: date) -> list[date]:
    return [start + timedelta(days=i) for i in range(7)]


W47 = week(date(2026, 11, 16))


# -- the cases --------------------------------------------------------------------------------


@dataclass
class Case:
    file: str
    case: str
    action: str
    expect: list[str]
    why: str
    build: Callable[[], bytes] = field(repr=False, default=lambda: b"")
    #: Where the message comes from: ``read`` (the file alone) or ``kpis`` (a note of the KPI
    #: computation, for a file that is only wrong beside the store's other exports).
    stage: str = "read"

    def entry(self) -> dict[str, object]:
        out: dict[str, object] = {
            "file": self.file,
            "case": self.case,
            "action": self.action,
            "expect": self.expect,
        }
        if self.stage != "read":
            out["stage"] = self.stage
        out["why"] = self.why
        return out


def _truncated_mid_row() -> bytes:
    data = csv_bytes(BR_US, br_us_rows())
    return data[: data.rstrip(b"\n").rfind(b",$") + 4]  # the download stopped inside the last row


def _truncated_in_last_cell() -> bytes:
    # The cut falls inside the last cell of the last row: every row still has all its fields,
    # only the last ad sales lost its cents ("$274.89" → "$274.") and the file its final line
    # break.
    rows = sp_campaign_rows(W47, [("Holiday - Broad", "Manual targeting", "Nov 1, 2026")])
    data = csv_bytes(SP_CAMPAIGN, rows)
    return data[:-3]


def _truncated_in_quote() -> bytes:
    data = csv_bytes(BR_US, br_us_rows())
    return data[: data.rfind(b"Thermal Insulated")]  # stopped inside the last row's quoted title


def _excel_semicolon() -> bytes:
    # A comma CSV opened in German Excel lands in column A; saved again as "CSV (;)" every row
    # is one cell, quoted wherever the original had quotes.
    original = csv_bytes(BR_US, br_us_rows(), bom=False).decode("utf-8").splitlines()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for line in original:
        writer.writerow([line])
    return out.getvalue().encode("cp1252", errors="replace")


def _mixed_encodings() -> bytes:
    # Rows pasted together from two tools: the first three are UTF-8 ("–" is 3 bytes), the
    # rest came from a cp1252 tool ("–" is one byte 0x96). Its 2026-W30 folder keeps it away
    # from the demo's weeks.
    first = csv_bytes(BR_US, br_us_rows()[:3], bom=False)
    second = csv_bytes(BR_US, br_us_rows(scale=0.9)[3:], bom=False).split(b"\n", 1)[1]
    second = second.decode("utf-8").encode("cp1252")
    return first + second


def _bom_in_a_cell() -> bytes:
    rows = br_us_rows()
    rows[2][2] = "\ufeff" + rows[2][2]  # a title pasted from a web page with its BOM
    return csv_bytes(BR_US, rows)


def _two_downloads_concatenated() -> bytes:
    # `cat week1.csv week2.csv > both.csv`: the second BOM and header land in the middle.
    return csv_bytes(BR_US, br_us_rows()) + csv_bytes(BR_US, br_us_rows(scale=1.1))


def _duplicate_header() -> bytes:
    header = [*BR_US]
    header[9] = "Sessions - Total"  # a re-saved copy with one header typed over
    return csv_bytes(header, br_us_rows())


def _missing_column() -> bytes:
    drop = SP_CAMPAIGN.index("Spend")
    header = [h for i, h in enumerate(SP_CAMPAIGN) if i != drop]
    rows = [
        [v for i, v in enumerate(r) if i != drop]
        for r in sp_campaign_rows(W47, [("Holiday - Auto", "Automatic targeting", "Nov 1, 2026")])
    ]
    return csv_bytes(header, rows)


def _wrong_locale() -> bytes:
    # Lines 5-7 were pasted in from a colleague's copy re-saved by German Excel: "1.410"
    # sessions and "3.378,31 $" next to US rows written "2,400" and "$7,197.12".
    rows = br_us_rows()
    for r in rows[3:]:
        for i in (4, 8):
            r[i] = r[i].replace(",", ".")
        for i in (18, 19):
            r[i] = r[i].lstrip("$").replace(",", "_").replace(".", ",").replace("_", ".") + " $"
    return csv_bytes(BR_US, rows)


def _negative_spend() -> bytes:
    rows = sp_campaign_rows(W47, [("Holiday - Auto", "Automatic targeting", "Nov 1, 2026")])
    rows[3][SP_CAMPAIGN.index("Spend")] = "-$12.40"  # a credit line pasted into the report
    return csv_bytes(SP_CAMPAIGN, rows)


def _negative_spend_outside_window() -> bytes:
    days = [date(2026, 8, 20)] + W47  # a long custom range: August plus the reporting week
    rows = sp_campaign_rows(days, [("Holiday - Exact", "Manual targeting", "Aug 1, 2026")])
    rows[0][SP_CAMPAIGN.index("Spend")] = "-$31.07"
    return csv_bytes(SP_CAMPAIGN, rows)


def _negative_units() -> bytes:
    rows = br_us_rows()
    rows[1][BR_US.index("Units Ordered")] = "-3"  # refunds netted in by hand
    return csv_bytes(BR_US, rows)


def _future_dates() -> bytes:
    # Downloaded 11-23-26 but the rows run into December: the year or the report is wrong.
    days = [date(2026, 12, 1) + timedelta(days=i) for i in range(7)]
    return csv_bytes(BR_DATE_US, br_date_us_rows(days))


def _jpeg() -> bytes:
    rng = random.Random(47)
    header = bytes.fromhex("ffd8ffe000104a46494600010101004800480000ffdb004300")
    return header + bytes(rng.randrange(256) for _ in range(2048)) + b"\xff\xd9"


def _pdf() -> bytes:
    body = (
        "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>endobj\n"
        "4 0 obj<</Length 58>>stream\nBT /F1 12 Tf 72 720 Td (Monthly seller statement) Tj ET\nendstream endobj\n"  # noqa: E501
        "trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return body.encode("latin-1")


def _word_doc() -> bytes:
    fib = struct.pack("<HH", 0xA5EC, 0x00C1) + b"\0" * 1468  # Word 97 FIB: wIdent, nFib
    text = "Team notes: Q4 ads plan for Lumen Home. Budget +20 % on bath mats.".encode("utf-16-le")
    return cfb_bytes(
        [
            ("WordDocument", fib + text),
            ("1Table", b"\0" * 512),
            ("\x05SummaryInformation", b"\xfe\xff" + b"\0" * 46),
        ]
    )


def _docx() -> bytes:
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        "<w:document "
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        "<w:p><w:r><w:t>How to download the weekly reports</w:t></w:r></w:p></w:body></w:document>"
    )
    return zip_bytes(
        [
            (
                "[Content_Types].xml",
                b'<?xml version="1.0"?><Types '
                b'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                b'<Override PartName="/word/document.xml" '
                b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
            ),
            ("word/document.xml", document.encode()),
        ]
    )


def _readme() -> bytes:
    return (
        b"# Exports for Lumen Home\n\n"
        b"Drop the weekly downloads here:\n\n"
        b"| folder | what |\n|---|---|\n| US/business | Business Reports (by ASIN, by date) |\n"
        b"| US/ads | Sponsored ads reports, daily |\n\n"
        b"Ask Chen Jing before deleting anything.\n"
    )


def _sales_dashboard() -> bytes:
    return (
        b'"Sales Dashboard"\n'
        b'"Last updated","November 23, 2026 9:15:54 AM PST"\n'
        b"\n"
        b'"Sales Snapshot"\n'
        b'"Total order items","Units ordered","Ordered product sales","Avg. units/order item","Avg. sales/order item"\n'  # noqa: E501
        b'"1,203","1,295","$52,161.55","1.08","$43.36"\n'
        b"\n"
        b'"Compare Sales"\n'
        b'"","Units ordered","Ordered product sales"\n'
        b'"Today so far","12","$498.23"\n'
        b'"Yesterday","187","$4,861.09"\n'
    )


def _grid_search_terms() -> bytes:
    rows = [
        [
            "bath mat",
            "bath mat",
            "Exact",
            "42272",
            "168",
            "0.3974",
            "183.95",
            "1.09",
            "47",
            "1253.51",
            "14.67",
            "6.81",
            "27.98",
        ],
        [
            "bathroom rugs",
            "bath mat",
            "Broad",
            "7136",
            "67",
            "0.9389",
            "74.93",
            "1.12",
            "11",
            "304.89",
            "24.58",
            "4.07",
            "16.42",
        ],
    ]
    return csv_bytes(GRID_SEARCH_TERMS, rows)


def _grid_campaigns() -> bytes:
    rows = [
        [
            "Enabled",
            'Bath Mat 31" x 19" - Exact',
            "United States",
            "Delivering",
            "Sponsored Products",
            "Manual",
            "Amazon",
            "Lumen Core",
            "Dynamic bids - up and down",
            "May 18, 2026",
            "No end date",
            "87%",
            "65.00",
            "CPC",
            "71408",
            "12.31%",
            "412",
            "0.58%",
            "451.39",
            "1.10",
            "131",
            "3274.69",
            "13.78%",
            "7.25",
        ],
        [
            "Enabled",
            "DL门垫自动",
            "United States",
            "Delivering",
            "Sponsored Products",
            "Automatic",
            "Amazon",
            "",
            "Dynamic bids - down only",
            "Mar 2, 2026",
            "No end date",
            "100%",
            "85.00",
            "CPC",
            "355011",
            "2.04%",
            "707",
            "0.20%",
            "667.31",
            "0.94",
            "77",
            "1868.23",
            "35.72%",
            "2.80",
        ],
    ]
    return csv_bytes(GRID_CAMPAIGNS_2024, rows)


def _legacy_xls() -> bytes:
    def record(kind: int, data: bytes) -> bytes:
        return struct.pack("<HH", kind, len(data)) + data

    bof = record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0x41, 0x06))
    codepage = record(0x0042, struct.pack("<H", 1200))
    sheet = record(0x0085, struct.pack("<IBB", 0, 0, 0) + b"\x0e\x00BusinessReport")
    workbook = bof + codepage + sheet + record(0x000A, b"")
    return cfb_bytes(
        [
            ("Workbook", workbook.ljust(4608, b"\0")),
            ("\x05SummaryInformation", b"\xfe\xff" + b"\0" * 46),
        ]
    )


def _encrypted_xlsx() -> bytes:
    # What Excel writes for "Encrypt with password": an OLE2 container, not a zip.
    rng = random.Random(2026)
    info = struct.pack("<HHI", 4, 4, 0x40) + (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
        b'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        b'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        b'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" '
        b'saltValue="k0nVdKcY8mIo3Zb8tJ9gGw=="/>'
        b"</encryption>"
    )
    package = struct.pack("<Q", 31_408) + bytes(rng.randrange(256) for _ in range(8192))
    return cfb_bytes([("EncryptionInfo", info), ("EncryptedPackage", package)])


def _corrupt_xlsx() -> bytes:
    good = xlsx_bytes(
        [
            (
                "Sponsored Display Campaign",
                [SP_CAMPAIGN, *sp_campaign_rows(W47[:2], [("SD - Retarget", "", "Nov 1, 2026")])],
            )
        ],
        application="Apache POI",
    )
    return good[: len(good) * 2 // 3]  # a sync client stopped halfway: no central directory


def _zip_bomb() -> bytes:
    # Declares ~64 MiB of sheet XML in ~64 KiB: an xlsx-shaped zip bomb (ratio ~1000:1).
    row = b'<row r="1"><c r="A1" t="inlineStr"><is><t>Date</t></is></c></row>'
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + row
        + b" " * (64 * 1024 * 1024)
        + b"</sheetData></worksheet>"
    )
    return zip_bytes(
        [
            (
                "[Content_Types].xml",
                b'<?xml version="1.0"?><Types '
                b'xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
            ),
            (
                "xl/workbook.xml",
                b"<workbook "
                b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet '
                b'name="Sheet1" sheetId="1"/></sheets></workbook>',
            ),
            ("xl/worksheets/sheet1.xml", sheet),
        ],
        level=9,
    )


def _long_header() -> bytes:
    # A third-party tool's export with dozens of wordy columns (2,000+ characters of header).
    header = [
        f"Profit dashboard column {i:02d} – estimated value after fees and refunds"
        for i in range(28)
    ]
    rows = [[f"{(i * 7 + r) % 100}.{r}" for i in range(28)] for r in range(3)]
    return csv_bytes(header, rows)


def _nul_bytes() -> bytes:
    data = csv_bytes(BR_DE, br_de_rows())
    return data[:200] + b"\0" * 64 + data[200:]


def _nul_padded_tail() -> bytes:
    # An interrupted download that the OS pre-allocated: the rest of the file is NUL bytes.
    products = [(f"B0DK4{i:05d}", f"X00{i:07d}", f"Lumen Home item {i}", "") for i in range(120)]
    rows = [
        [
            f"LH-{i:03d}",
            fn,
            asin,
            title,
            "New",
            "24.99",
            "No",
            "",
            "Yes",
            str(100 + i),
            str(90 + i),
            "1",
            "9",
            str(100 + i),
            "0.21",
            "0",
            "0",
            "0",
            "0",
            "0",
            "0",
        ]
        for i, (asin, fn, title, _) in enumerate(products)
    ]
    data = tsv_bytes(INVENTORY, rows)
    return data[: len(data) * 3 // 4] + b"\0" * 4096


def _pivot_only() -> bytes:
    rows: list[list[object]] = [
        ["Date", "(All)"],
        [],
        ["Row Labels", "Sum of Units Ordered", "Sum of Ordered Product Sales"],
        *[
            [child, int(2400 * 0.12) - 40 * i, round((288 - 40 * i) * price, 2)]
            for i, (_, child, _, _, price) in enumerate(US_PRODUCTS)
        ],
        ["Grand Total", 1128, 31427.55],
    ]
    return xlsx_bytes([("PivotTable", rows)])


def _every_money_dashes() -> bytes:
    rows = sp_campaign_rows(W47, [("Holiday - Auto", "Automatic targeting", "Nov 1, 2026")])
    for r in rows:
        for h in ("Budget", "Spend", "Cost Per Click (CPC)", "7 Day Total Sales "):
            r[SP_CAMPAIGN.index(h)] = "--"
    return csv_bytes(SP_CAMPAIGN, rows)


def _gzip_csv() -> bytes:
    inner = tsv_bytes(
        ALL_ORDERS,
        [
            [
                "114-7956448-8066658",
                "114-7956448-8066658",
                "2026-11-16T16:01:26+00:00",
                "2026-11-17T02:01:26+00:00",
                "Shipped",
                "Amazon",
                "Amazon.com",
                "",
                "",
                "Standard",
                "Lumen Home Bath Mat",
                "LH-BM31-GRY",
                "B0DK4M7QX2",
                "Shipped",
                "1",
                "USD",
                "24.99",
                "1.87",
                "0.00",
                "0.00",
                "",
                "",
                "0.00",
                "0.00",
                "SEATTLE",
                "WA",
                "98103",
                "US",
                "",
                "false",
                "",
                "",
            ]
        ],
    )
    return gzip.compress(inner, mtime=0)


def _html_login_page() -> bytes:
    return (
        b'<!DOCTYPE html>\n<html lang="en-US"><head><meta charset="utf-8"><title>Amazon Sign-In</title></head>\n'  # noqa: E501
        b'<body><form name="signIn" method="post" action="https://sellercentral.amazon.com/ap/signin">\n'
        b'<h1>Sign in</h1><label for="ap_email">Email or mobile phone number</label></form></body></html>\n'  # noqa: E501
    )


def _extra_field() -> bytes:
    lines = csv_bytes(BR_US, br_us_rows()).decode("utf-8").split("\n")
    lines[2] = lines[2].replace(",LH-BM31-NVY,", ",LH-BM31-NVY,Navy,")  # one row has a stray cell
    return "\n".join(lines).encode("utf-8")


def _other_marketplace() -> bytes:
    # The US report of the week, saved into the DE week folder by mistake.
    return csv_bytes(BR_US, br_us_rows())


def _other_marketplace_ads() -> bytes:
    # A DE campaign report (Currency EUR in every row) saved into the US ads folder.
    rows = sp_campaign_rows(
        W47,
        [("DE - SP - Auto - Weihnachten", "Automatic targeting", "Nov 1, 2026")],
        currency="EUR",
        mark="€",
    )
    return csv_bytes(SP_CAMPAIGN, rows)


def _disagreeing_duplicate() -> bytes:
    # The same DE week downloaded again later with rows selected: fewer rows, other numbers.
    rows = br_de_rows()[:2]
    rows[0][DE_HEADER_SALES] = money_de(9999.99)
    return csv_bytes(BR_DE, rows)


DE_HEADER_SALES = BR_DE.index("Durch bestellte Produkte erzielter Umsatz")


def _header_only() -> bytes:
    return csv_bytes(SB_SEARCH_TERM, [])


CASES: list[Case] = [
    # -- not exports at all ---------------------------------------------------------------------
    Case(
        "README.md",
        "a README beside the exports",
        SKIPPED,
        ["not a known Amazon export"],
        "People keep notes in the export folder; a note must be named and skipped, never parsed "
        "as data.",
        _readme,
    ),
    Case(
        "Meeting notes.doc",
        "a Word 97 document",
        SKIPPED,
        ["Word"],
        "An OLE2 file is not always an Excel 97 workbook; telling the user to 'save as .xlsx' a "
        "Word file is wrong advice.",
        _word_doc,
    ),
    Case(
        "How to download.docx",
        "a Word .docx (a zip, like xlsx)",
        SKIPPED,
        ["not an xlsx workbook"],
        "A docx is a zip too: it must not reach openpyxl, and the message must not call it a "
        "damaged xlsx.",
        _docx,
    ),
    Case(
        "US/photo.csv",
        "a JPEG named .csv",
        REFUSED,
        ["JPEG"],
        "A phone photo of a screen saved with the wrong name; content that does not match the "
        "extension is refused whole.",
        _jpeg,
    ),
    Case(
        "US/statement.pdf",
        "a PDF statement",
        REFUSED,
        ["PDF"],
        "Monthly statements are PDFs; they are not exports and must be named as what they are.",
        _pdf,
    ),
    Case(
        "US/BusinessReport-11-23-26 (3).csv",
        "an HTML sign-in page saved as the download",
        SKIPPED,
        ["not a known Amazon export"],
        "When the Seller Central session expires the browser saves the sign-in page under the "
        "report's name.",
        _html_login_page,
    ),
    Case(
        "US/orders/All Orders 2026-11-16_2026-11-22.txt.gz.csv",
        "a gzip-compressed flat file named .csv",
        REFUSED,
        ["gzip"],
        "Report API documents arrive gzip-compressed; a renamed one must be refused, not decoded "
        "as cp1252 noise.",
        _gzip_csv,
    ),
    # -- broken bytes ---------------------------------------------------------------------------
    Case(
        "US/empty.csv",
        "an empty file (0 bytes)",
        SKIPPED,
        ["empty"],
        "A failed download or a file created by hand; nothing to read, but the user must be told.",
        lambda: b"",
    ),
    Case(
        "US/ads/2026-W47/Sponsored Brands Search term report.csv",
        "header only, no rows",
        WARNED,
        ["no data rows"],
        "A week without Sponsored Brands search terms downloads as a header alone; it is valid "
        "but must say it added nothing.",
        _header_only,
    ),
    Case(
        "US/business/2026-W47/BusinessReport-11-23-26 (1).csv",
        "a download cut mid-row",
        REFUSED,
        ["cut off"],
        "A download that stopped in the last row: its totals would be silently low, so the file "
        "is refused whole.",
        _truncated_mid_row,
    ),
    Case(
        "US/business/2026-W47/BusinessReport-11-23-26 (2).csv",
        "a download cut inside a quoted title",
        REFUSED,
        ["cut off"],
        "The cut falls inside quotes, so the last row looks like one long open cell; it is still "
        "a cut download.",
        _truncated_in_quote,
    ),
    Case(
        "US/ads/Sponsored Products Campaign report (6).csv",
        "a download cut inside the last cell",
        REFUSED,
        ["cut off"],
        "Every row has all its fields, but the last number lost its cents ('$274.89' → '$274.') and "
        "the file its final line break: read as it is, ad sales would be silently low.",
        _truncated_in_last_cell,
    ),
    Case(
        "US/business/2026-W36/BusinessReport-09-07-26.csv",
        "a middle row with a stray extra cell",
        REFUSED,
        ["line 3 has 23 fields but the header has 22"],
        "A row that does not fit its header shifts every number after it; the file is refused "
        "with the line named.",
        _extra_field,
    ),
    Case(
        "US/business/2026-W37/BusinessReport-09-14-26.csv",
        "wrong delimiter (re-saved by German Excel)",
        REFUSED,
        ["fields but the header has 22"],
        "A comma CSV opened and saved by Excel with a semicolon list separator turns each row "
        "into one cell.",
        _excel_semicolon,
    ),
    Case(
        "US/business/2026-W30/BusinessReport-07-27-26.csv",
        "mixed encodings (UTF-8 then cp1252)",
        WARNED,
        ["encoding"],
        "Two files pasted together from different tools; the titles of one half are garbled "
        "unless it is said.",
        _mixed_encodings,
    ),
    Case(
        "US/business/2026-W31/BusinessReport-08-03-26.csv",
        "a BOM in the middle of a cell",
        WARNED,
        ["byte-order mark in the middle"],
        "A title pasted from a web page carries U+FEFF; it is removed and said, and the row still "
        "counts.",
        _bom_in_a_cell,
    ),
    Case(
        "US/business/2026-W32/BusinessReport-08-10-26.csv",
        "two downloads concatenated (BOM + header repeated)",
        REFUSED,
        ["header", "line 8"],
        "`cat a.csv b.csv` puts a second header mid-file; reading on would double every ASIN and "
        "parse a header as data.",
        _two_downloads_concatenated,
    ),
    Case(
        "US/inventory/2026-W30/43110962805417733.txt",
        "an interrupted download padded with NUL bytes",
        REFUSED,
        ["cut off"],
        "Download managers pre-allocate the file; a stop leaves the tail as NUL bytes after real "
        "rows.",
        _nul_padded_tail,
    ),
    Case(
        "DE/2026-W47/BusinessReport-nul.csv",
        "NUL bytes inside a text file",
        REFUSED,
        ["NUL"],
        "Binary garbage in a CSV means the bytes are damaged; nothing in it can be trusted.",
        _nul_bytes,
    ),
    # -- content does not match the extension -------------------------------------------------
    Case(
        "US/Report.xlsx",
        "an xlsx that is really a CSV",
        REFUSED,
        ["not a workbook", ".csv"],
        "Renamed by hand; openpyxl would fail with a zip error the user cannot act on.",
        lambda: csv_bytes(BR_US, br_us_rows()),
    ),
    Case(
        "US/ads/Sponsored_Products_Search_term_report (1).xlsx",
        "a zip bomb disguised as xlsx",
        REFUSED,
        ["zip bomb"],
        "A 64 KiB file that inflates to 64 MiB of XML must be refused from its zip directory "
        "alone.",
        _zip_bomb,
    ),
    Case(
        "US/ads/Sponsored_Display_Campaign_report.xlsx",
        "a corrupt xlsx (half a zip)",
        SKIPPED,
        ["damaged"],
        "A sync client stopped halfway; the zip has no central directory.",
        _corrupt_xlsx,
    ),
    Case(
        "US/ads/Sponsored_Products_Advertised_product_report (1).xlsx",
        "a password-protected xlsx",
        SKIPPED,
        ["password"],
        "Excel's 'Encrypt with password' writes an OLE2 container; the user must remove the "
        "password, not 'save as .xlsx'.",
        _encrypted_xlsx,
    ),
    Case(
        "US/BusinessReport-11-23-26.xls",
        "an Excel 97 .xls",
        SKIPPED,
        ["legacy .xls", "save as"],
        "Old templates still save as .xls; sheetsbot reads xlsx and csv only and must say how to "
        "convert.",
        _legacy_xls,
    ),
    Case(
        "US/business/pivot.xlsx",
        "a workbook whose only sheet is a pivot table",
        SKIPPED,
        ["not a known Amazon export"],
        "Someone pivoted the Business Report and saved only the pivot; its sums must not be read "
        "as a report.",
        _pivot_only,
    ),
    # -- exports that are not reports -----------------------------------------------------------
    Case(
        "US/SalesDashboard-11-23-26.csv",
        "the Sales Dashboard CSV",
        SKIPPED,
        ["Sales Dashboard"],
        "Seller Central's dashboard download looks like a CSV but is titled blocks, not a table.",
        _sales_dashboard,
    ),
    Case(
        "US/ads/Sponsored_Products_adgroup_1.csv",
        "campaign manager grid download (search terms)",
        SKIPPED,
        ["campaign manager", "Sponsored ads report"],
        "The campaign manager's Export button gives a grid without dates or campaign; it must ask "
        "for the real report.",
        _grid_search_terms,
    ),
    Case(
        "US/ads/Campaigns_Nov_23_2026.csv",
        "campaign manager grid download (2024+ campaigns)",
        SKIPPED,
        ["campaign manager"],
        "The new console grid has 'Total cost (USD)' and no date column; its period is whatever "
        "was on screen.",
        _grid_campaigns,
    ),
    Case(
        "US/long-header.csv",
        "a CSV with a 2,000-character header",
        SKIPPED,
        ["not a known Amazon export", "…"],
        "A long header must be shortened in the message: one line on stderr, not a screenful.",
        _long_header,
    ),
    # -- known reports with bad content ---------------------------------------------------------
    Case(
        "US/business/2026-W33/BusinessReport-08-17-26.csv",
        "duplicated header names",
        REFUSED,
        ["duplicated header 'Sessions - Total'"],
        "Two columns with one name: which one is sessions? A re-saved file is refused whole.",
        _duplicate_header,
    ),
    Case(
        "US/ads/Sponsored Products Campaign report (3).csv",
        "a known report with a column missing (Spend)",
        SKIPPED,
        ["missing", "'spend'"],
        "Without Spend, ACoS and ROAS cannot be computed; the message names the column to add.",
        _missing_column,
    ),
    Case(
        "US/business/2026-W34/BusinessReport-08-24-26.csv",
        "numbers in the wrong locale (German rows in a US file)",
        REFUSED,
        ["decimal"],
        "'1.410' sessions is 1,410 in German and 1.41 in English: a column that mixes conventions "
        "cannot be read right.",
        _wrong_locale,
    ),
    Case(
        "US/ads/Sponsored Products Campaign report (4).csv",
        "negative spend",
        REFUSED,
        ["negative", "'Spend'", "line 5"],
        "Spend cannot be negative; a file that says so is not what it claims.",
        _negative_spend,
    ),
    Case(
        "US/ads/Sponsored Products Campaign report (5).csv",
        "negative spend on a day outside the run's window",
        REFUSED,
        ["negative", "'Spend'", "line 2"],
        "The bad row is in August, the run reads November: the file is still suspect as a whole "
        "and must not be half-read.",
        _negative_spend_outside_window,
    ),
    Case(
        "US/business/2026-W35/BusinessReport-08-31-26.csv",
        "negative units",
        REFUSED,
        ["negative", "'Units Ordered'", "line 3"],
        "Units ordered cannot be negative (refunds netted in by hand).",
        _negative_units,
    ),
    Case(
        "US/ads/2026-W47/Sponsored Products Campaign report.csv",
        'every money cell is "--"',
        REFUSED,
        ["'Spend'", "--"],
        'Clicks without any spend is impossible: a "--" in every money cell must be said, not '
        "summed as no spend.",
        _every_money_dashes,
    ),
    Case(
        "US/business/BusinessReport-11-23-26 (4).csv",
        "dates in the future",
        WARNED,
        ["future"],
        "Downloaded on 11-23-26 yet dated December: the dates (or the year) are wrong and must be "
        "questioned.",
        _future_dates,
    ),
    # -- files that are fine alone but wrong where they are ----------------------------------------
    Case(
        "DE/2026-W47/BusinessReport-11-23-26.csv",
        "a US report in the DE folder",
        REFUSED,
        ["$", "folder", "DE"],
        "Dollars in the DE week would replace or add to euro numbers; the folder and the values "
        "disagree.",
        _other_marketplace,
    ),
    Case(
        "US/ads/2026-W47/Sponsored Products Campaign report EUR.csv",
        "a DE (EUR) ad report in the US folder",
        REFUSED,
        ["EUR", "US"],
        "Euro spend must never be summed into dollar spend because of the folder it sits in.",
        _other_marketplace_ads,
    ),
    Case(
        "DE/2026-W47/BusinessReport-23.11.26 (1).csv",
        "two exports of one week that disagree",
        WARNED,
        ["disagree", "BusinessReport-23.11.26.csv counted"],
        "Which number counted must be said, and every KPI must use that one; the fuller download "
        "keeps counting.",
        _disagreeing_duplicate,
        stage="kpis",
    ),
]

#: Generated by the test, not committed: 50 MB with no line break.
ONE_LINE = Case(
    "US/business/one-line.csv",
    "50 MB of one line (line breaks lost)",
    REFUSED,
    ["line break"],
    "A file whose line breaks were stripped is one 50 MB line; it must be named quickly and "
    "cheaply.",
)
ONE_LINE_BYTES = 50 * 1024 * 1024


def one_line_file(path: Path, size: int = ONE_LINE_BYTES) -> Path:
    """A US Business Report whose line breaks were lost, repeated to ``size`` bytes, in one line."""
    chunk = csv_bytes(BR_US, br_us_rows()).replace(b"\n", b"")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        written = 0
        while written < size:
            part = chunk[: size - written]
            out.write(part)
            written += len(part)
    return path


def manifest() -> dict[str, object]:
    return {
        "about": (
            "Bad inputs for sheetsbot, one case per file; tests/test_bad_inputs.py checks them. "
            "Regenerate with: python tools/make_bad_corpus.py (never edit by hand). "
            "action: skipped | refused whole | read with warning. "
            "expect: substrings of the one message that names the file (Problem.problem, the "
            "export's warning, or with stage: kpis a note of the KPI run beside the demo store). "
            "Paths are relative to an export folder (US/, DE/2026-W47/ give marketplace and "
            "period hints): the corpus is dropped on top of sheetsbot/demo/exports. "
            "README.md here is a case (a note left among exports), not documentation."
        ),
        "generated_at_test_time": [{**ONE_LINE.entry(), "bytes": ONE_LINE_BYTES}],
        "files": [c.entry() for c in CASES],
    }


def write_corpus(out: Path) -> list[Path]:
    """Write every case and the manifest to ``out``, replacing a corpus already there."""
    if out.exists():
        if any(out.iterdir()) and not (out / MANIFEST_NAME).exists():
            raise SystemExit(f"{out} is not empty and holds no {MANIFEST_NAME}: not overwriting it")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written = []
    for case in CASES:
        path = out / case.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(case.build())
        written.append(path)
    text = yaml.safe_dump(manifest(), sort_keys=False, allow_unicode=True, width=110)
    (out / MANIFEST_NAME).write_text(text, encoding="utf-8")
    return written


def same_tree(a: Path, b: Path) -> list[str]:
    """Relative paths that differ between two corpus folders (missing, extra or changed)."""
    names_a = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
    names_b = {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()}
    diff = sorted(names_a ^ names_b)
    for name in sorted(names_a & names_b):
        if not filecmp.cmp(a / name, b / name, shallow=False):
            diff.append(name)
    return diff


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=CORPUS, help="folder to write (default: %(default)s)"
    )
    parser.add_argument(
        "--check", action="store_true", help="compare with --out instead of writing it"
    )
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            write_corpus(Path(tmp) / "bad")
            diff = same_tree(Path(tmp) / "bad", args.out)
        for name in diff:
            print(f"differs: {name}", file=sys.stderr)
        return 1 if diff else 0
    files = write_corpus(args.out)
    total = sum(p.stat().st_size for p in files)
    print(f"wrote {len(files)} files ({total:,} bytes) and {MANIFEST_NAME} to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
