"""Regenerate the README screenshots: one PNG per visible tab of the workbook.

    sheetsbot demo --out sheetsbot-demo.xlsx
    python tools/screenshots.py        # → docs/screenshots/dashboard.png, asins.png, …
    python tools/screenshots.py --xlsx book.xlsx --out /tmp/shots --pages 2 --dpi 100

How: for every visible tab, a temporary copy of the workbook in which only that tab is visible,
set to print landscape and one page wide (openpyxl); LibreOffice (headless, one process for all
copies, its own throw-away profile so an open LibreOffice does not interfere) turns each copy
into a PDF; ``pdftoppm`` turns the first ``--pages`` pages of each PDF into PNGs. Hidden tabs
(the run's state) are never shot. A file is named by the tab's key (the sheet code name the
xlsx sink writes: ``dashboard.png``, ``run_log.png``), else by its title; a tab's further pages
are ``NAME-2.png`` and so on.

Needs ``soffice`` (Debian: ``apt-get install libreoffice-calc``) and ``pdftoppm``
(``poppler-utils``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

#: openpyxl's paper sizes: landscape A4 suits a tab up to this many pixels wide, else A3.
PAPER_A4, PAPER_A3 = 9, 8
A4_MAX_PIXELS = 1400
#: LibreOffice can take a while on its first start with a fresh profile.
SOFFICE_TIMEOUT = 600


@dataclass(frozen=True)
class TabShot:
    """One visible tab to shoot: its position in the workbook and the file name to use."""

    index: int
    title: str
    name: str


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--xlsx", default="sheetsbot-demo.xlsx", type=Path,
                        help="workbook to shoot (default: %(default)s, from `sheetsbot demo`)")
    parser.add_argument("--out", default=Path("docs/screenshots"), type=Path,
                        help="folder for the PNGs (default: %(default)s)")
    parser.add_argument("--pages", default=1, type=int,
                        help="pages per tab to keep; 0 keeps every page (default: %(default)s)")
    parser.add_argument("--dpi", default=70, type=int, help="resolution (default: %(default)s)")
    args = parser.parse_args(argv)

    missing = [tool for tool in ("soffice", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        print(f"screenshots: {' and '.join(missing)} not found; on Debian/Ubuntu: "
              "apt-get install libreoffice-calc poppler-utils", file=sys.stderr)
        return 2
    if not args.xlsx.is_file():
        print(f"screenshots: {args.xlsx}: no such file (make one with `sheetsbot demo --out "
              f"{args.xlsx}`)", file=sys.stderr)
        return 2
    written = take_screenshots(args.xlsx, args.out, pages=args.pages, dpi=args.dpi)
    for path in written:
        print(path)
    return 0


def take_screenshots(xlsx: Path, out: Path, *, pages: int = 1, dpi: int = 70) -> list[Path]:
    """PNGs of every visible tab of ``xlsx`` in ``out``; returns their paths in tab order."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sheetsbot-shots-") as temp_name:
        temp = Path(temp_name)
        shots = _tabs_to_shoot(xlsx)
        copies = [_single_tab_copy(xlsx, shot, temp / f"{n:02d}-{shot.name}.xlsx")
                  for n, shot in enumerate(shots)]
        pdfs = _to_pdf(copies, temp)
        written: list[Path] = []
        for shot, pdf in zip(shots, pdfs, strict=True):
            written += _to_png(pdf, shot.name, out, pages=pages, dpi=dpi, work=temp)
    return written


def _tabs_to_shoot(xlsx: Path) -> list[TabShot]:
    book = load_workbook(xlsx)
    shots: list[TabShot] = []
    used: set[str] = set()
    for index, sheet in enumerate(book.worksheets):
        if sheet.sheet_state != "visible":
            continue
        base = sheet.sheet_properties.codeName or ""
        if not re.fullmatch(r"[a-z][a-z0-9_]*", base):  # not a sheetsbot key: use the title
            base = _slug(sheet.title) or f"tab-{index + 1}"
        name, n = base, 2
        while name in used:
            name, n = f"{base}-{n}", n + 1
        used.add(name)
        shots.append(TabShot(index, sheet.title, name))
    return shots


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")


def _single_tab_copy(xlsx: Path, shot: TabShot, target: Path) -> Path:
    """The workbook with only ``shot``'s tab visible (the others stay, hidden, so charts that
    read another tab still find their data), printed landscape and one page wide."""
    book = load_workbook(xlsx)
    sheets = book.worksheets
    for index, sheet in enumerate(sheets):
        sheet.sheet_state = "visible" if index == shot.index else "hidden"
        for view in sheet.views.sheetView:
            view.tabSelected = index == shot.index
    for chartsheet in book.chartsheets:  # a team's chart on its own sheet would print too
        chartsheet.sheet_state = "hidden"
    sheet = sheets[shot.index]
    book.active = sheet
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = PAPER_A4 if _width_pixels(sheet) <= A4_MAX_PIXELS else PAPER_A3
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages tall as it takes
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.gridLines = True  # looks like the spreadsheet on screen
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    book.save(target)
    return target


def _width_pixels(sheet: Worksheet) -> int:
    """About how wide the tab's cells and charts are on screen."""
    def column_pixels(index: int) -> int:
        dimension = sheet.column_dimensions.get(get_column_letter(index))
        return int((dimension.width if dimension and dimension.width else 8.43) * 7)

    width = sum(column_pixels(i) for i in range(1, sheet.max_column + 1))
    for chart in sheet._charts:  # openpyxl keeps a sheet's charts only here
        marker = getattr(chart.anchor, "_from", None)
        if marker is not None:
            left = sum(column_pixels(i) for i in range(1, marker.col + 1))
            width = max(width, left + int(chart.width / 2.54 * 96))
    return width


def _to_pdf(copies: list[Path], work: Path) -> list[Path]:
    """One LibreOffice process converts every copy (its start-up is most of the time)."""
    profile = (work / "lo-profile").as_uri()
    command = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(work / "pdf"), *map(str, copies)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=SOFFICE_TIMEOUT)
    pdfs = [work / "pdf" / (copy.stem + ".pdf") for copy in copies]
    missing = [p.name for p in pdfs if not p.is_file()]
    if done.returncode != 0 or missing:
        raise RuntimeError(f"LibreOffice failed (exit {done.returncode}; missing: "
                           f"{', '.join(missing) or 'none'}):\n{done.stdout}{done.stderr}")
    return pdfs


def _to_png(pdf: Path, name: str, out: Path, *, pages: int, dpi: int, work: Path) -> list[Path]:
    folder = work / "png" / name  # one folder per tab: names like "asins" and "asins-2" differ
    folder.mkdir(parents=True)
    prefix = folder / "page"
    command = ["pdftoppm", "-png", "-r", str(dpi)]
    if pages > 0:
        command += ["-f", "1", "-l", str(pages)]
    subprocess.run([*command, str(pdf), str(prefix)], check=True, capture_output=True, timeout=300)
    # pdftoppm numbers pages NAME-1.png or NAME-01.png (padded to the page count): sort by number.
    produced = sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    written = []
    for page, png in enumerate(produced, start=1):
        target = out / (f"{name}.png" if page == 1 else f"{name}-{page}.png")
        shutil.move(png, target)
        written.append(target)
    return written


if __name__ == "__main__":
    sys.exit(main())
