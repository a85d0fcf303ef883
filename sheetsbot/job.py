"""One run, wired: read the exports → KPIs (→ tasks → workbook → sink, as those layers land).

Entry points (the CLI, the worker) call these functions and only format what they return.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

import pandas as pd

from sheetsbot.config import Config
from sheetsbot.kpis import KpiReport, compute_kpis
from sheetsbot.periods import Period
from sheetsbot.reports import Export, ReportSet, read_exports
from sheetsbot.reports.prepare import Prefetch
from sheetsbot.reports.reader import ReadHints
from sheetsbot.sources import ExportFile, Source
from sheetsbot.sources.local import LocalFolder
from sheetsbot.workbook.model import Workbook


@dataclass
class KpiRun:
    reports: ReportSet
    kpis: KpiReport
    week: Period
    month: Period | None


def read_hints(config: Config, windows: dict[str, Period] | None = None) -> ReadHints:
    store = config.store
    return ReadHints(
        default_marketplace=store.fallback_marketplace,
        store_marketplaces=tuple(store.marketplaces),
        week_start=store.week_start_index,
        windows=windows or {},
    )


def reading_windows(week: Period, month: Period | None, config: Config) -> dict[str, Period]:
    """The days each report family can matter for in this run, so the rest is never parsed.

    Ads and returns need the week and the week before (and the month and the month before);
    sales also feed the velocity window, turnover and month-to-date targets.
    """
    start, end = week.previous().start, week.end
    if month is not None:
        start, end = min(start, month.previous().start), max(end, month.end)
    short = Period.range(start, end)
    long_start = min(
        start,
        week.end - timedelta(days=config.inventory.velocity_days + 7),
        Period.month_of(week.end).start - timedelta(days=1),
    )
    long = Period.range(long_start, end)
    return {"ads": short, "returns": short, "business_date": long, "business_asin": long, "orders": long}


def compute_from_folder(
    source: str | Path | Prefetch,
    config: Config,
    week: Period,
    month: Period | None = None,
    progress: Callable[[ExportFile], None] | None = None,
) -> KpiRun:
    """KPIs straight from a folder of exports (``sheetsbot kpis``): no state, no workbook."""
    if not isinstance(source, Prefetch):
        source = Prefetch(LocalFolder(source))
    reports = read_exports(source, read_hints(config, reading_windows(week, month, config)), progress)
    kpis = compute_kpis(reports, week, config, month)
    return KpiRun(reports, kpis, week, month)


# -- the full run -------------------------------------------------------------------------------


@dataclass
class RunResult:
    """What one run did, for the CLI, the worker's run status and the Run log."""

    week: Period
    files_seen: int
    files_read: list[str]
    files_skipped: int
    problems: list[str]
    warnings: list[str]
    kpis: KpiReport
    tasks_created: int
    tasks_open: int
    red: list[str]
    duration: float
    write_summary: object = None


class SheetRead(Protocol):
    """What a sink found in the workbook when it read it again to plan a write."""

    def values(self, title: str) -> list[list[object]]: ...

    def has(self, title: str) -> bool: ...


#: Builds the workbook again on a fresh read: a sink calls it when the workbook changed between
#: the run's read and its write (another run's write landed, a tab was deleted meanwhile), so
#: the Run log keeps the other run's row and says which tabs this write recreates.
Replan = Callable[[SheetRead], Workbook]


class Sink(Protocol):
    """Where the workbook goes: an xlsx file or a Google Sheet."""

    def read_tabs(self, titles: list[str]) -> dict[str, list[list[object]]]: ...

    def missing_tabs(self, titles: list[str]) -> list[str]: ...

    def write(self, workbook: Workbook, replan: Replan | None = None) -> object: ...


def run(
    source: Source,
    sink: Sink,
    config: Config,
    week: Period,
    *,
    now: datetime,
    trigger: str = "manual",
    progress: Callable[[ExportFile], None] | None = None,
) -> RunResult:
    """One full refresh: read what the Sheet knows, read new exports, write the whole workbook."""
    from sheetsbot import tasks as task_rules
    from sheetsbot.kpis import compute_kpis, compute_month
    from sheetsbot.kpis.compute import search_terms_for
    from sheetsbot.locales import load_locale
    from sheetsbot.reports import read_file
    from sheetsbot.reports.compact import compact
    from sheetsbot.reports.model import READ_AGAIN, Problem
    from sheetsbot.workbook.build import BuildInputs, build_workbook
    from sheetsbot.workbook.readback import run_log_from_rows, tasks_from_rows
    from sheetsbot.workbook.settings import apply_settings
    from sheetsbot.workbook.state import KEEP_DAYS, ProcessedFile, State
    from sheetsbot.workbook.template import load_template

    started = time.monotonic()
    locale = load_locale(config.store.locale).renamed(config.workbook.tabs, config.workbook.columns)
    template = load_template(config.resolve_path(config.workbook.template) if config.workbook.template else None)
    titles = {key: locale.tab(key) for key in ("tasks", "settings", "run_log", "state")}
    existing = sink.read_tabs(list(titles.values()))
    state = State.decode(existing.get(titles["state"], []), titles["state"])
    config, warnings, settings_rows = apply_settings(config, existing.get(titles["settings"], []), titles["settings"])

    # Read only what the Sheet has not seen: a file is known by its id and checksum.
    window = Period.range(week.start - timedelta(days=KEEP_DAYS), week.end)
    hints = read_hints(config, {f: window for f in ("ads", "returns", "business_date", "business_asin", "orders")})
    files_seen, files_read, skipped, problems = 0, [], 0, []
    fresh_terms: list[Export] = []
    for file in source.files():
        files_seen += 1
        try:
            data = file.read_bytes() if not file.known_md5 else None
        except OSError as exc:
            problems.append(Problem(file.path, f"cannot read the file ({exc})", READ_AGAIN).line())
            continue
        md5 = file.md5(data)
        if file.id in state.processed and state.processed[file.id].md5 == md5:
            skipped += 1
            continue
        if progress:
            progress(file)
        fetched = _with_bytes(file, data)
        exports, file_problems = read_file(fetched, hints)
        if any(p.read_again for p in file_problems):
            # Not read, so not judged: what the Sheet holds of it stays, and the next run
            # tries again (recording it would skip it for good, even once it is back).
            problems.extend(p.line() for p in file_problems)
            continue
        state.exports = [e for e in state.exports if e.file_id != file.id]
        for e in exports:
            state.exports.append(compact(e))
            if e.shape == "search_term":
                fresh_terms.append(e)
            warnings.extend(f"{e.name}: {w}" for w in e.warnings)
        for p in file_problems:
            problems.append(p.line())
        kind = (
            ", ".join(sorted({e.kind for e in exports}))
            or "refused: " + "; ".join(p.problem for p in file_problems)[:300]
        )
        period = ", ".join(sorted({e.period.label for e in exports if e.period})) or None
        known = state.processed.get(file.id)
        state.processed[file.id] = ProcessedFile(
            id=file.id,
            name=file.path,
            md5=md5,
            kind=kind,
            period=period,
            processed_at=known.processed_at if known and known.md5 == md5 else now.replace(microsecond=0).isoformat(),
            marketplace=", ".join(sorted({e.marketplace for e in exports if e.marketplace})) or None,
            rows=sum(e.rows_in_file for e in exports),
        )
        files_read.append(f"{file.path} ({kind}{', ' + period if period else ''})")
    state.prune(week)

    reports = ReportSet(list(state.exports), [])
    month = Period.month_of(week.end)
    report = compute_kpis(reports, week, config, month)
    # The week's search terms: from exports read now, else from what the Sheet kept.
    terms = search_terms_for(fresh_terms, week, reports.marketplaces)
    if terms.empty:
        terms = state.terms_of(week)
    else:
        state.set_terms(week, terms)
    report.week.search_terms = terms
    closed = None
    if state.exports:
        # The closed month beside it; the week's own results are already in ``report``.
        closed_month, before_closed, closed_records = compute_month(reports, month.previous(), config, week.end)
        closed = KpiReport(report.week, report.previous_week, closed_records, closed_month, before_closed)

    # Tasks: what the rules see this week, merged with what the team did.
    owners = dict(config.owners)
    existing_tasks = tasks_from_rows(existing.get(titles["tasks"], []), locale)
    rules = task_rules.load_rules(config.resolve_path(config.workbook.rules) if config.workbook.rules else None)
    generated = task_rules.generate_tasks(report, config, week, owners, locale, rules=rules)
    extra = existing_tasks.attrs.get("extra_columns", [])
    merged = task_rules.merge_tasks(existing_tasks.drop(columns=extra), generated, week)
    # The merge keeps the team's rows in place, at the top: their own columns go back beside them.
    for name in extra:
        merged[name] = list(existing_tasks[name]) + [None] * (len(merged) - len(existing_tasks))
    merged.attrs["extra_columns"] = extra
    completion, why = task_rules.task_completion(merged, week)
    _set_store_metric(report, week, "task_completion", completion, why, config)
    created = len(merged) - len(existing_tasks)

    trend = _trend(reports, state, week, config, template.limits.trend_weeks)
    if trigger == "schedule:weekly":
        state.last_weekly_run = now.replace(microsecond=0).isoformat()
    tab_titles = [locale.tab(key) for key in ("dashboard", "asins", "ads", "inventory", "tasks", "monthly",
                                              "settings", "run_log", "state")]
    client = getattr(sink, "client", None) or getattr(source, "client", None)
    # Calls so far, plus the one write that carries this row.
    api_calls = sum(client.calls.values()) + 1 if client is not None and hasattr(client, "calls") else None
    monthly_actions = (
        merged[merged["status"].isin(["todo", "doing", "blocked"]) & merged["key"].notna()]
        if not merged.empty
        else None
    )
    run_warnings = warnings
    duration = round(time.monotonic() - started, 2)

    def workbook_for(run_log_rows: list[list[object]], missing: list[str]) -> Workbook:
        """The workbook over what the Sheet holds: its Run log rows and the tabs it lacks."""
        nonlocal run_warnings
        run_warnings = list(warnings)
        if missing and len(missing) < len(tab_titles):  # all missing is a new workbook, not a loss
            run_warnings.append(f"recreated tab(s) {', '.join(missing)}: deleted or renamed in the workbook")
        run_log = run_log_from_rows(run_log_rows, locale)
        run_log.append(
            {
                "started": now.replace(microsecond=0).isoformat(),
                "trigger": trigger,
                "files": "; ".join(files_read) or "—",
                "rows": sum(e.rows for e in state.exports if any(e.path in f for f in files_read)),
                "warnings": "\n".join(run_warnings[:50]) or None,
                "errors": "\n".join(problems[:50]) or None,
                "duration": duration,
                "api_calls": api_calls,
            }
        )
        return build_workbook(
            BuildInputs(
                config=config,
                locale=locale,
                template=template,
                week=week,
                report=report,
                tasks=merged,
                settings=settings_rows,
                state_rows=state.encode(),
                # When the data last changed, not when this run happened: a run with nothing new
                # then leaves the Dashboard exactly as it was.
                generated_at=_data_changed_at(state, now),
                trend=trend,
                closed_month=closed,
                run_log=run_log,
                files_read=len(state.processed),
                monthly_actions=monthly_actions,
            )
        )

    workbook = workbook_for(existing.get(titles["run_log"], []), sink.missing_tabs(tab_titles))
    summary = sink.write(
        workbook,
        replan=lambda read: workbook_for(
            read.values(titles["run_log"]), [t for t in tab_titles if not read.has(t)]
        ),
    )
    records = report.records
    red = sorted(
        {
            f"{r.marketplace} {r.key + ' ' if r.key else ''}{r.metric}"
            for r in records[(records["status"] == "red") & (records["period"] == week.label)].itertuples()
        }
    )
    return RunResult(
        week=week,
        files_seen=files_seen,
        files_read=files_read,
        files_skipped=skipped,
        problems=problems,
        warnings=run_warnings,
        kpis=report,
        tasks_created=max(created, 0),
        tasks_open=int(merged["status"].isin(["todo", "doing", "blocked"]).sum()) if not merged.empty else 0,
        red=red,
        duration=round(time.monotonic() - started, 2),
        write_summary=summary,
    )


def _data_changed_at(state: object, now: datetime) -> datetime:
    stamps = [p.processed_at for p in state.processed.values() if p.processed_at]  # type: ignore[attr-defined]
    if not stamps:
        return now
    latest = datetime.fromisoformat(max(stamps))
    return latest if latest.tzinfo else latest.replace(tzinfo=now.tzinfo)


def _with_bytes(file: ExportFile, data: bytes | None) -> ExportFile:
    """The same file, reading from bytes already downloaded (each export is fetched once)."""
    if data is None:
        return file
    return dataclasses.replace(file, _reader=lambda: data)


def _set_store_metric(
    report: KpiReport, week: Period, metric: str, value: float | None, why: str | None, config: Config
) -> None:
    from sheetsbot.kpis.status import traffic_light

    r = report.records
    rows = (r["level"] == "store") & (r["metric"] == metric) & (r["period"] == week.label)
    r.loc[rows, "value"] = value if value is not None else float("nan")
    r.loc[rows, "note"] = None if value is not None else why
    status = traffic_light(metric, r.loc[rows, "value"].astype(float), r.loc[rows, "change"].astype(float), config)
    r.loc[rows, "status"] = status


_TREND_METRICS = ("sales", "ad_spend", "acos", "tacos")


def _trend(reports: ReportSet, state: object, week: Period, config: Config, weeks: int) -> pd.DataFrame:
    """Store KPIs of the last weeks: recomputed where exports still cover them, else history."""
    from sheetsbot.kpis.compute import compute_period

    history = {(h["period"], h["marketplace"], h["metric"]): h["value"] for h in state.history}  # type: ignore[attr-defined]
    current = week
    for _ in range(weeks):
        covered = any(
            e.period is not None and e.period.overlaps(current)
            for e in reports.exports
            if e.family in ("business_date", "business_asin", "ads")
        )
        if covered:
            result = compute_period(reports, current, config, detail=False)
            values = result.levels["store"].values
            for (market, _key), row in values.iterrows():
                for metric in _TREND_METRICS:
                    v = row.get(metric)
                    history[(current.label, market, metric)] = None if pd.isna(v) else float(v)
        current = current.previous()
    state.history = [  # type: ignore[attr-defined]
        {"period": p, "marketplace": m, "metric": k, "value": v} for (p, m, k), v in sorted(history.items())
    ]
    labels = []
    current = week
    for _ in range(weeks):
        labels.append(current.label)
        current = current.previous()
    rows = [{"period": p, "marketplace": m, "metric": k, "value": v} for (p, m, k), v in history.items() if p in labels]
    return pd.DataFrame(rows, columns=["period", "marketplace", "metric", "value"])
