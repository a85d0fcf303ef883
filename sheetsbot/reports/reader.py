"""One export file → typed :class:`Export` tables (one per table in the file).

    hints = ReadHints(default_marketplace="US")
    exports, problems = read_file(export_file, hints)

Every decision is made once per file and written down: the kind (from the columns), the
number and date conventions (from the values), currency and marketplace (in the documented
order), the period (rows → file name → folder). A file that cannot be used becomes a
:class:`Problem` that names it, says what is wrong and what was done; it never stops a run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sheetsbot.errors import ExportError, MissingColumns, SuspectExport, UnknownReport
from sheetsbot.marketplaces import (
    CURRENCY_TO_MARKETPLACE,
    MARKETPLACES,
    marketplace_code,
)
from sheetsbot.periods import (
    Period,
    download_date_in_name,
    period_in_file_name,
    period_in_folder_name,
)
from sheetsbot.reports import values as V
from sheetsbot.reports.kinds import (
    AD_KIND_NAMES,
    ATTRIBUTION_DAYS,
    FIELDS,
    AdType,
    HeaderCell,
    KindMatch,
    classify_header,
    normalise_header,
)
from sheetsbot.reports.model import Export, Problem
from sheetsbot.reports.prepare import PreparedFile, _path_marketplace, _plan, prepare
from sheetsbot.reports.rawtable import RawTable
from sheetsbot.sources import ExportFile

#: Metrics that can never be negative: a negative one means the file is not what it claims.
_NON_NEGATIVE = ("spend", "clicks", "impressions", "units", "sessions", "page_views", "sales", "ad_sales", "ad_orders")


@dataclass(frozen=True)
class ReadHints:
    """What the store knows that a file may not say."""

    default_marketplace: str | None = None
    store_marketplaces: tuple[str, ...] = ()
    week_start: int = 0
    #: Rows dated outside these ranges are dropped before their numbers are parsed (speed);
    #: the export's period is still computed from all rows. Keyed by report family; a family
    #: without an entry keeps every row.
    windows: dict[str, Period] = field(default_factory=dict)


def read_file(
    file: ExportFile, hints: ReadHints, prepared: PreparedFile | None = None
) -> tuple[list[Export], list[Problem]]:
    exports: list[Export] = []
    problems: list[Problem] = []
    if prepared is None:
        prepared = prepare(file, hints.default_marketplace == "JP")
    if prepared.problem is not None:
        return [], [prepared.problem]
    tables = prepared.tables
    for table in tables:
        where = file.path + (f" [{table.sheet}]" if table.sheet else "")
        try:
            exports.append(_read_table(file, table, hints))
        except (MissingColumns, UnknownReport) as exc:
            if len(tables) > 1 and isinstance(exc, UnknownReport):
                continue  # a pivot or notes sheet beside the report
            problems.append(
                Problem(where, exc.problem, exc.action, getattr(exc, "closest", None), getattr(exc, "missing", ()))
            )
        except ExportError as exc:
            problems.append(Problem(where, exc.problem, exc.action))
    if not exports and not problems:
        problems.append(Problem(file.path, "no sheet of the workbook is a known Amazon export", "skipped"))
    return exports, problems


# -- one table --------------------------------------------------------------------------------


def _read_table(file: ExportFile, table: RawTable, hints: ReadHints) -> Export:
    where = file.path + (f" [{table.sheet}]" if table.sheet else "")
    cells = classify_header(table.header)
    best, columns = _plan(table)
    if not best.complete:
        raise _not_recognised(where, best, table.header)
    kind = best.kind
    raw = table.read(sorted(columns.values()))
    arrays = {f: raw[i] for f, i in columns.items()}
    rows_in_file = len(next(iter(arrays.values()))) if arrays else 0
    warnings = list(table.warnings)

    path_market = _path_marketplace(file)
    tie_market = MARKETPLACES.get(path_market or hints.default_marketplace or "")
    number_fields = {f: a for f, a in arrays.items() if FIELDS[f].type in ("money", "number", "percent")}
    date_fields = {f: a for f, a in arrays.items() if FIELDS[f].type in ("date", "date_range")}
    conv = V.decide_conventions(
        number_fields,
        date_fields,
        tie_market.day_first if tie_market else None,
        tie_market.decimal_comma if tie_market else None,
    )
    if conv.mixed_columns:
        names = ", ".join(repr(table.header[columns[f]].strip()) for f in conv.mixed_columns[:3])
        raise SuspectExport(
            where,
            f"decimal marks mixed: numbers written both as 1,234.56 and as 1.234,56 in {names} "
            "(rows from two locales in one file)",
        )
    problems: list[V.ParseProblem] = []

    # Dates first, so rows outside the window are dropped before numbers are parsed.
    parsed: dict[str, pa.Array | pa.ChunkedArray] = {}
    time_zone = tie_market.time_zone if tie_market else None
    for f, arr in date_fields.items():
        if FIELDS[f].type == "date_range":
            parsed["start_date"], parsed["end_date"] = V.parse_date_ranges(
                arr, table.header[columns[f]], conv.day_first, problems
            )
        else:
            parsed[f] = V.parse_dates(arr, table.header[columns[f]], conv.day_first, problems)
    for f in ("return_date", "purchase_date"):
        if f in arrays:
            parsed[f] = V.parse_dates(arrays[f], table.header[columns[f]], conv.day_first, problems, time_zone or "UTC")
    row_day = parsed.get("date", parsed.get("return_date", parsed.get("purchase_date", parsed.get("start_date"))))
    rows_range = _range(row_day, parsed.get("end_date", row_day)) if row_day is not None else None

    # Whole-file checks run on every row, before the window cut: a file is refused whole or
    # read, never half-read depending on which days a run looks at.
    _refuse_negative_text(arrays, where, table.header, columns)
    keep = None
    window = hints.windows.get(kind.family)
    if window is not None and row_day is not None and not kind.snapshot:
        first = pa.scalar(window.start, pa.date32())
        last = pa.scalar(window.end, pa.date32())
        end_day = parsed.get("end_date", row_day)
        keep = pc.fill_null(pc.and_(pc.less_equal(row_day, last), pc.greater_equal(end_day, first)), False)
        if pc.all(keep).as_py():
            keep = None
    if keep is not None:
        arrays = {f: pc.filter(a, keep) for f, a in arrays.items()}
        parsed = {f: pc.filter(a, keep) for f, a in parsed.items()}

    header_currency = next((c.currency for c in cells if c.currency and c.field in columns), None)
    value_currency = None
    for f, arr in arrays.items():
        spec = FIELDS[f]
        if f in parsed or spec.type in ("date", "date_range", "timestamp"):
            continue
        label = table.header[columns[f]]
        if spec.type in ("money", "number", "percent"):
            if spec.type == "money" and value_currency is None:
                value_currency = V.currency_in_values(arr)
            comma = conv.decimal_comma_by_column.get(f, conv.decimal_comma)
            parsed[f] = V.parse_number(arr, label, comma, percent=spec.type == "percent", problems=problems)
        elif spec.type == "id":
            parsed[f] = V.clean_id(arr)
        else:
            parsed[f] = V.clean_text(arr)
    for problem in problems:
        warnings.append(str(problem))
    _refuse_empty_money(parsed, where, table.header, columns)
    if rows_in_file == 0:
        warnings.append("no data rows: the export is empty (a filter, or a period with no activity?)")

    frame = pa.table({f: parsed[f] for f in parsed}).to_pandas(date_as_object=False)
    for f in ("date", "start_date", "end_date", "return_date", "purchase_date"):
        if f in frame.columns:
            frame[f] = frame[f].astype("datetime64[s]")

    # -- ad type and attribution ----------------------------------------------------------
    ad_type: AdType | None = None
    attribution = None
    label = kind.label
    kind_id = kind.id
    if kind.family == "ads":
        ad_type, how = _ad_type(frame, cells, kind.shape, file)
        if how:
            warnings.append(how)
        kind_id = AD_KIND_NAMES.get((ad_type, kind.shape), f"{ad_type.lower()}_{kind.shape}")
        label = (
            {"SP": "Sponsored Products", "SB": "Sponsored Brands", "SD": "Sponsored Display"}[ad_type]
            + " "
            + kind.label[0].lower()
            + kind.label[1:]
        )
        windows = {c.window for c in cells if c.field == "ad_sales" and c.window}
        attribution = windows.pop() if len(windows) == 1 else None
        expected = ATTRIBUTION_DAYS[ad_type]
        if attribution and attribution != expected:
            warnings.append(
                f"{attribution}-day attribution columns (expected {expected}-day for {ad_type}; a vendor account?)"
            )
        if (ad_type, kind.shape) not in AD_KIND_NAMES:
            warnings.append(f"Amazon has no {ad_type} {kind.shape.replace('_', ' ')} report; read as one anyway")

    # -- currency and marketplace ---------------------------------------------------------
    currency, marketplace = _currency_and_marketplace(
        frame, header_currency, value_currency, path_market, hints, warnings, where
    )

    # Timestamps were first read in the folder's (or default) time zone to cut the window;
    # now that the rows' marketplace is known, count their days in its time zone.
    resolved_zone = MARKETPLACES[marketplace].time_zone if marketplace in MARKETPLACES else None
    if resolved_zone and resolved_zone != (time_zone or "UTC"):
        for f in ("return_date", "purchase_date"):
            if f in frame.columns:
                days = V.parse_dates(arrays[f], table.header[columns[f]], conv.day_first, None, resolved_zone)
                frame[f] = pd.Series(days.to_pandas(date_as_object=False), index=frame.index).astype("datetime64[s]")

    # -- period -----------------------------------------------------------------------------
    summary = "start_date" in frame.columns and "date" not in frame.columns and kind.family == "ads"
    period, source, snapshot = _period(file, kind.snapshot, rows_range, hints, tie_market, warnings)
    if kind.snapshot and "date" in frame.columns and frame["date"].notna().any():
        snapshot = frame["date"].max().date()
        period, source = Period.range(snapshot, snapshot), "snapshot date in the rows"

    conventions = (
        f"decimal {'comma' if conv.decimal_comma else 'point'} ({conv.decimal_evidence}); "
        f"dates {'day' if conv.day_first else 'month'} first ({conv.date_evidence})"
    )
    if table.encoding:
        conventions += f"; encoding {table.encoding}"
    return Export(
        path=file.path,
        file_id=file.id,
        kind=kind_id,
        family=kind.family,
        label=label,
        table=frame,
        marketplace=marketplace,
        currency=currency,
        period=period,
        period_source=source,
        shape=kind.shape,
        key=tuple(k for k in kind.key if k in frame.columns),
        ad_type=ad_type,
        attribution_days=attribution,
        snapshot_date=snapshot,
        summary=summary,
        sheet=table.sheet,
        rows=len(frame),
        rows_in_file=rows_in_file,
        warnings=warnings,
        conventions=conventions,
    )


def _not_recognised(where: str, best: KindMatch, header: list[str]) -> Exception:
    shown = ", ".join(repr(_short(h.strip(), 24)) for h in header[:4]) + (" …" if len(header) > 4 else "")
    found_required = best.score >= 0.5 and len(best.columns) >= 2
    missing = tuple(m for m in best.missing)
    if {normalise_header(h) for h in header} & _GRID_HEADERS:
        exc0 = UnknownReport(
            where,
            f"a campaign manager table download, not a Sponsored ads report (no report dates; the closest "
            f"report is the {best.kind.label.lower()}); "
            "download it from Measurement & Reporting → Sponsored ads reports",
            "skipped",
        )
        exc0.closest = best.kind.id  # type: ignore[attr-defined]
        exc0.missing = missing  # type: ignore[attr-defined]
        return exc0
    if found_required:
        need = "; ".join(_expected_header(m) for m in missing)
        exc: ExportError = MissingColumns(where, f"looks like a {best.kind.label} but is missing {need}", "skipped")
    else:
        exc = UnknownReport(
            where,
            f"not a known Amazon export (header: {shown}); closest kind: {best.kind.label}, "
            f"which needs {'; '.join(_expected_header(m) for m in missing[:2])}" + (" …" if len(missing) > 2 else ""),
            "skipped",
        )
    exc.closest = best.kind.id  # type: ignore[attr-defined]
    exc.missing = missing  # type: ignore[attr-defined]
    return exc


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: Headers of the campaign manager's table downloads (not the Sponsored ads reports).
_GRID_HEADERS = {"campaigns", "total cost (usd)", "spend(usd)", "sales(usd)", "cpc(usd)", "acos(%)", "ctr(%)"}


def _expected_header(missing: str) -> str:
    if missing.startswith("no "):
        return f"{missing} (found one)"
    names = []
    for f in missing.split(" or "):
        spec = FIELDS.get(f)
        example = spec.aliases[0] if spec and spec.aliases else (spec.patterns[0] if spec else f)
        names.append(f"a {f!r} column (e.g. header {example!r})")
    return " or ".join(names)


_NEGATIVE_TEXT = r"^\s*(\(\s*[0-9$€£¥₹.]|-\s*[0-9.$€£¥₹]|[^0-9\-\s]{1,4}\s*-\s*[0-9])"


def _refuse_negative_text(
    arrays: dict[str, pa.Array | pa.ChunkedArray], where: str, header: list[str], columns: dict[str, int]
) -> None:
    """Negative money or counts anywhere in the file, found in the text before parsing (and on
    every row, not just the run's window: ``-5``, ``(5.00)``, ``$-5``, and negative xlsx numbers)."""
    for f in _NON_NEGATIVE:
        arr = arrays.get(f)
        if arr is None:
            continue
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            negative = pc.fill_null(pc.match_substring_regex(arr, _NEGATIVE_TEXT), False)
        elif pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
            negative = pc.fill_null(pc.less(arr, 0), False)
        else:
            continue
        count = int(pc.sum(negative).as_py() or 0)
        if count:
            first = int(pc.index(negative, True).as_py()) + 2
            raise SuspectExport(
                where,
                f"{count} negative value(s) in {header[columns[f]].strip()!r} (first on line {first}); "
                f"{f.replace('_', ' ')} cannot be negative",
            )


def _refuse_empty_money(
    parsed: dict[str, pa.Array | pa.ChunkedArray], where: str, header: list[str], columns: dict[str, int]
) -> None:
    """A spend or sales column that is blank in every row while clicks or units are counted is
    not a report with no money: it is a broken export (every cell '--'). Refused whole, so its
    clicks do not join the store's totals without their spend."""
    for money, activity in (("spend", "clicks"), ("sales", "units")):
        if money not in parsed or activity not in parsed or len(parsed[money]) == 0:
            continue
        if pc.all(pc.is_null(parsed[money])).as_py() and (pc.sum(parsed[activity]).as_py() or 0) > 0:
            raise SuspectExport(
                where,
                f"every value of {header[columns[money]].strip()!r} is empty (e.g. '--') while "
                f"{header[columns[activity]].strip()!r} has values: not a usable export; download it again",
            )


def _range(first: pa.Array, last: pa.Array) -> tuple[date, date] | None:
    lo, hi = pc.min(first).as_py(), pc.max(last).as_py()
    return (lo, hi) if lo and hi else None


_AD_TYPE_WORDS = [
    ("SB", re.compile(r"sponsored[\s_-]*brands?|headline|(?<![a-z])sb(?![a-z])", re.I)),
    ("SD", re.compile(r"sponsored[\s_-]*display|(?<![a-z])sd(?![a-z])", re.I)),
    ("SP", re.compile(r"sponsored[\s_-]*products?|(?<![a-z])sp(?![a-z])", re.I)),
]


def _ad_type(frame: pd.DataFrame, cells: list[HeaderCell], shape: str, file: ExportFile) -> tuple[AdType, str]:
    if "campaign_type" in frame.columns:
        kinds = set(frame["campaign_type"].dropna().str.casefold().unique())
        for code, pattern in _AD_TYPE_WORDS:
            if any(pattern.search(k) for k in kinds):
                return code, ""  # type: ignore[return-value]
    fields = {c.field for c in cells if c.field}
    if "bid_optimization" in fields:
        return "SD", ""
    if "video_views" in fields or "branded_searches" in fields:
        return "SB", ""
    for code, pattern in _AD_TYPE_WORDS:
        if pattern.search(file.path):
            return code, ""  # type: ignore[return-value]
    if {"cost_type", "viewable_impressions", "ntb_orders"} & fields:
        guess: AdType = "SD" if shape == "advertised_product" else "SB"
        return (
            guess,
            f"ad type read as {guess} from its columns; "
            "name the file or folder 'Sponsored Brands'/'Sponsored Display' to be sure",
        )
    windows = {c.window for c in cells if c.window}
    if windows == {14} and shape in ("campaign", "targeting"):
        return "SP", "14-day columns with no other sign of Brands or Display: read as Sponsored Products (vendor)"
    return "SP", ""


def _currency_and_marketplace(
    frame: pd.DataFrame,
    header_currency: str | None,
    value_currency: str | None,
    path_market: str | None,
    hints: ReadHints,
    warnings: list[str],
    where: str,
) -> tuple[str | None, str | None]:
    # Marketplace from the rows themselves.
    row_market = None
    if "country" in frame.columns:
        names = frame["country"].dropna().unique()
        codes = {n: marketplace_code(n) for n in names if str(n).strip() and str(n) != "Non-Amazon"}
        unknown = [n for n, c in codes.items() if c is None]
        if unknown:
            warnings.append(f"marketplace names not recognised in the rows: {', '.join(map(str, unknown[:3]))}")
        frame["marketplace"] = frame["country"].map(codes).astype("string")
        known = {c for c in codes.values() if c}
        row_market = known.pop() if len(known) == 1 else None
        if len({c for c in codes.values() if c}) > 1:
            row_market = "*"
        del frame["country"]
    # Currency: a column in the rows → a currency in a header → a symbol in the values.
    currency = None
    if "currency" in frame.columns:
        frame["currency"] = frame["currency"].str.strip().str.upper().replace("", pd.NA).astype("string")
        found = set(frame["currency"].dropna().unique())
        currency = found.pop() if len(found) == 1 else ("*" if found else None)
    explicit = currency or header_currency
    currency = explicit or value_currency
    if row_market is None and path_market in MARKETPLACES and currency not in (None, "*"):
        own = MARKETPLACES[path_market].currency
        if currency != own:
            if explicit is None and value_currency == "USD" and own in _DOLLAR_CURRENCIES:
                currency = own  # a bare "$": Canada, Mexico, Australia and Singapore write it too
            else:
                # Money in another currency than the folder's marketplace: counting it there
                # would add euros to dollars. The team must move the file, not us guess.
                written = "" if explicit else f" (written with {_symbol(currency)!r})"
                raise SuspectExport(
                    where,
                    f"its money is in {currency}{written} but its folder says marketplace {path_market} ({own}); "
                    "move it to the folder of its marketplace",
                )
    # Marketplace: rows → path → currency → the store's default.
    market = row_market if row_market not in (None, "*") else None
    if market and path_market and market != path_market:
        warnings.append(f"the rows say marketplace {market} but the folder says {path_market}; the rows win")
    if market is None and row_market != "*":
        market = path_market
    if market is None and row_market != "*" and currency and currency != "*":
        market = _market_for_currency(currency, hints)
    if market is None and row_market is None and currency == "*":
        # One file, several currencies (the 2024+ Ads console): each row's currency names it.
        by_currency = {c: _market_for_currency(c, hints) for c in frame["currency"].dropna().unique()}
        frame["marketplace"] = frame["currency"].astype(object).map(by_currency).astype("string")
        row_market = "*"
    if market is None and row_market != "*":
        market = hints.default_marketplace or (
            hints.store_marketplaces[0] if len(hints.store_marketplaces) == 1 else None
        )
    if currency is None and market:
        currency = MARKETPLACES[market].currency
    elif (
        currency == "USD"
        and explicit is None
        and market
        and market in MARKETPLACES
        and MARKETPLACES[market].currency in _DOLLAR_CURRENCIES
    ):
        # A bare "$" in the values: Canada, Mexico and Australia write it too.
        currency = MARKETPLACES[market].currency
    if "marketplace" not in frame.columns:
        frame["marketplace"] = pd.Series(market, index=frame.index, dtype="string")
    elif market:
        frame["marketplace"] = frame["marketplace"].fillna(market)
    if "currency" not in frame.columns:
        frame["currency"] = pd.Series(currency if currency != "*" else None, index=frame.index, dtype="string")
    else:
        # Rows without a currency (pending orders) take the file's or the marketplace's.
        currency_by_market = {code: m.currency for code, m in MARKETPLACES.items()}
        fallback = frame["marketplace"].astype(object).map(currency_by_market)
        frame["currency"] = frame["currency"].fillna(fallback.astype("string"))
    if frame["marketplace"].isna().any():
        missing = int(frame["marketplace"].isna().sum())
        warnings.append(
            f"marketplace unknown for {missing} row(s): put the file in a folder named after its "
            "marketplace (US/, DE/ …) or set store.default_marketplace in the config"
        )
    return (None if currency == "*" else currency), (None if row_market == "*" else market)


_DOLLAR_CURRENCIES = {"USD", "CAD", "MXN", "AUD", "SGD"}


def _symbol(currency: str) -> str:
    marks = [mark for mark, code in V.CURRENCY_MARKS if code == currency]
    return min(marks, key=len) if marks else currency


def _market_for_currency(currency: str, hints: ReadHints) -> str | None:
    store = [m for m in hints.store_marketplaces if MARKETPLACES[m].currency == currency]
    if len(store) == 1:
        return store[0]
    return CURRENCY_TO_MARKETPLACE.get(currency) if not store else None


def _period(
    file: ExportFile,
    snapshot: bool,
    rows_range: tuple[date, date] | None,
    hints: ReadHints,
    market: object,
    warnings: list[str],
) -> tuple[Period | None, str, date | None]:
    named = period_in_file_name(file.name)
    folder = None
    for segment in reversed(file.folders):
        folder = period_in_folder_name(segment, hints.week_start)
        if folder:
            break
    declared, declared_source = (named, "file name") if named else (folder, "folder name") if folder else (None, "")
    if rows_range:
        rows_period = Period.range(*rows_range)
        downloaded = download_date_in_name(file.name, bool(getattr(market, "day_first", False)))
        if downloaded and not named and rows_period.end > downloaded:
            warnings.append(
                f"rows are dated up to {rows_period.end}, after the download date {downloaded} in its name: "
                "dates in the future? check the export"
            )
        if declared and declared.covers(rows_period):
            return declared, f"{declared_source} (rows within it)", None
        if declared:
            warnings.append(
                f"rows run {rows_period.label}, outside the {declared.label} its {declared_source} says; the rows win"
            )
        return rows_period, "dates in the rows", None
    if snapshot:
        day_first = bool(getattr(market, "day_first", False))
        downloaded = download_date_in_name(file.name, day_first)
        if downloaded:
            return Period.range(downloaded, downloaded), "download date in the file name", downloaded
        if declared:
            return Period.range(declared.end, declared.end), f"end of the period in its {declared_source}", declared.end
        return None, "none: taken as of the end of the reporting week", None
    if declared:
        return declared, declared_source, None
    warnings.append(
        "no period: the rows have no dates and neither the file name nor a folder names one; "
        "put it in a dated folder such as 2026-W47/ or name it …_2026-11-16_2026-11-22.csv"
    )
    return None, "none", None


__all__ = ["ReadHints", "read_file"]
