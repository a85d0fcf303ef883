"""The bad input corpus (``tests/corpus/bad/``): every file gets one clear message naming the
file, the problem and what was done; the other files are still read; and the good files' KPIs
stay identical, bit for bit, when the bad files are dropped among them.

The corpus and its manifest are made by ``tools/make_bad_corpus.py``. Where sheetsbot is wrong
today, the case is marked ``xfail(strict=True)`` with the reason in :data:`BUGS`; fixing the
product turns those into XPASS failures, and the entry is then removed.

Checks, each per file where it can be:

* ``read``  — ``read_file`` on the file alone, as ``sheetsbot detect`` reads it;
* ``run``   — the same with the reading windows of a KPI run (2026-W47 and 2026-11);
* ``cli``   — ``sheetsbot kpis --format json`` on the demo store plus every bad file: exit 0,
  JSON on stdout, exactly one stderr line naming each bad file;
* ``numbers`` — the demo store's KPI records with and without the bad files are equal.

Plus: a zip bomb is refused from its zip directory (< 1 s, openpyxl never called); a 50 MB file
of one line is built at test time and refused quickly; a real demo export cut at every byte of
its last row is refused whole.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest
import yaml

from sheetsbot import job
from sheetsbot.config import load_config
from sheetsbot.demo.paths import CONFIG_PATH, DEMO_MONTH, DEMO_WEEK, EXPORTS_DIR
from sheetsbot.periods import Period
from sheetsbot.reports import read_file
from sheetsbot.sources import ExportFile
from sheetsbot.sources.local import LocalFolder

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus" / "bad"
GENERATOR = REPO / "tools" / "make_bad_corpus.py"
MANIFEST = yaml.safe_load((CORPUS / "MANIFEST.yaml").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = MANIFEST["files"]
BY_FILE = {c["file"]: c for c in CASES}
ONE_LINE = MANIFEST["generated_at_test_time"][0]

ACTIONS = ("skipped", "refused whole", "read with warning")
#: One line on stderr, not a screenful.
MAX_MESSAGE = 500
KEY = ["period", "level", "key", "marketplace", "metric"]
WEEK, MONTH = Period.parse(DEMO_WEEK), Period.parse(DEMO_MONTH)
CONFIG = load_config(str(CONFIG_PATH))

READ, RUN, CLI, NUMBERS = "read", "run", "cli", "numbers"
MESSAGE = frozenset({READ, RUN, CLI})


@dataclass(frozen=True)
class Bug:
    reason: str
    checks: frozenset[str]


#: Where sheetsbot is wrong today: the file, why, the suggested fix (module.function), and which
#: checks fail because of it. Each failing check is a strict xfail; remove the entry once fixed.
BUGS: dict[str, Bug] = {}


def cases(check: str, stage: str | None = "read") -> list[Any]:
    """Manifest entries as pytest params, with the known bugs of ``check`` as strict xfails."""
    out = []
    for case in CASES:
        if stage is not None and case.get("stage", "read") != stage:
            continue
        bug = BUGS.get(case["file"])
        marks = (
            [pytest.mark.xfail(strict=True, reason=bug.reason)]
            if bug and check in bug.checks
            else []
        )
        out.append(pytest.param(case, id=case["file"], marks=marks))
    return out


# -- helpers ----------------------------------------------------------------------------------


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_bad_corpus", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def export_file(root: Path, rel: str) -> ExportFile:
    for f in LocalFolder(root).files():
        if f.id == rel:
            return f
    raise AssertionError(f"{rel} not found under {root}")


def hints(windows: bool) -> Any:
    return job.read_hints(CONFIG, job.reading_windows(WEEK, MONTH, CONFIG) if windows else None)


def corpus_files() -> list[str]:
    return sorted(
        p.relative_to(CORPUS).as_posix()
        for p in CORPUS.rglob("*")
        if p.is_file() and p.name != "MANIFEST.yaml"
    )


def store_with(root: Path, files: list[str]) -> Path:
    """The demo store with ``files`` of the corpus dropped in, at their own relative paths."""
    shutil.copytree(EXPORTS_DIR, root)
    for rel in files:
        target = root / rel
        assert not target.exists(), f"{rel} would overwrite a demo export"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / rel, target)
    return root


def names(line: str, path: str) -> bool:
    """Whether a stderr line names ``path`` (not merely a longer path that contains it)."""
    return re.search(r"(?:^|[\s:])" + re.escape(path) + r"(?=$|[\s:\[;,])", line) is not None


def assert_message(text: str, case: dict[str, Any]) -> None:
    for part in case["expect"]:
        assert part in text, f"{part!r} not in {text!r}"


# =============================================================================================
# the corpus itself
# =============================================================================================


def test_the_corpus_is_small_complete_and_described() -> None:
    files = corpus_files()
    assert len(files) >= 30
    assert sorted(BY_FILE) == files, "MANIFEST.yaml and the files on disk differ"
    assert sum((CORPUS / f).stat().st_size for f in files) < 1_000_000
    for case in [*CASES, ONE_LINE]:
        assert case["action"] in ACTIONS, case
        assert case["expect"] and all(isinstance(s, str) and s for s in case["expect"]), case
        assert case["case"] and case["why"], case
    demo = {p.relative_to(EXPORTS_DIR).as_posix() for p in EXPORTS_DIR.rglob("*") if p.is_file()}
    assert not demo & set(files), "a corpus file has the path of a demo export"
    assert set(BUGS) <= set(BY_FILE), "a known bug names a file that is not in the corpus"


def test_the_generator_rebuilds_the_committed_corpus_byte_for_byte(tmp_path: Path) -> None:
    make = generator()
    make.write_corpus(tmp_path / "bad")
    assert make.same_tree(tmp_path / "bad", CORPUS) == [], "run: python tools/make_bad_corpus.py"


# =============================================================================================
# one file at a time
# =============================================================================================


def _check_alone(case: dict[str, Any], windows: bool) -> None:
    exports, problems = read_file(export_file(CORPUS, case["file"]), hints(windows))
    if case["action"] == "read with warning":
        assert not problems, [p.line() for p in problems]
        assert exports, "nothing was read"
        warnings = [w for e in exports for w in e.warnings]
        assert len(warnings) == 1, warnings
        assert_message(warnings[0], case)
        assert len(warnings[0]) <= MAX_MESSAGE
        return
    # A refused or skipped file yields nothing at all: never half-read.
    assert not exports, [(e.name, e.rows, e.warnings) for e in exports]
    assert len(problems) == 1, [p.line() for p in problems]
    problem = problems[0]
    assert problem.path == case["file"] or problem.path.startswith(case["file"] + " ["), (
        problem.path
    )
    assert problem.action == case["action"], problem.line()
    assert_message(problem.problem, case)
    assert len(problem.line()) <= MAX_MESSAGE, f"{len(problem.line())} characters: {problem.line()}"


@pytest.mark.parametrize("case", cases(READ))
def test_each_file_alone_gets_its_message(case: dict[str, Any]) -> None:
    _check_alone(case, windows=False)


@pytest.mark.parametrize("case", cases(RUN))
def test_each_file_alone_gets_its_message_within_a_runs_windows(case: dict[str, Any]) -> None:
    _check_alone(case, windows=True)


def test_a_zip_bomb_costs_milliseconds_and_never_reaches_openpyxl(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import openpyxl
    import openpyxl.reader.excel

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    monkeypatch.setattr(openpyxl.reader.excel, "load_workbook", never)
    case = next(c for c in CASES if c["case"] == "a zip bomb disguised as xlsx")
    file = export_file(CORPUS, case["file"])
    tracemalloc.start()
    started = time.perf_counter()
    try:
        exports, problems = read_file(file, hints(windows=False))
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not exports
    assert [p.action for p in problems] == ["refused whole"]
    assert_message(problems[0].problem, case)
    assert elapsed < 1.0, elapsed
    assert peak < 8 * 1024 * 1024, f"{peak:,} bytes allocated for a {file.size:,}-byte file"


@pytest.fixture(scope="module")
def one_line(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, float]:
    root = tmp_path_factory.mktemp("one-line")
    path = generator().one_line_file(root / ONE_LINE["file"])
    assert path.stat().st_size == ONE_LINE["bytes"]
    assert b"\n" not in path.read_bytes()[: 1024 * 1024]
    started = time.perf_counter()
    exports, problems = read_file(export_file(root, ONE_LINE["file"]), hints(windows=False))
    return exports, problems, time.perf_counter() - started


def test_fifty_megabytes_of_one_line_is_refused_quickly_in_one_short_line(
    one_line: tuple[Any, Any, float],
) -> None:
    exports, problems, elapsed = one_line
    assert not exports
    assert len(problems) == 1 and problems[0].path == ONE_LINE["file"]
    assert problems[0].action in ("skipped", "refused whole")
    assert len(problems[0].line()) <= MAX_MESSAGE
    assert elapsed < 5.0, elapsed


def test_fifty_megabytes_of_one_line_says_the_line_breaks_are_missing(
    one_line: tuple[Any, Any, float],
) -> None:
    _, problems, _ = one_line
    assert problems[0].action == ONE_LINE["action"]
    assert_message(problems[0].problem, ONE_LINE)


# A download can stop at any byte. Cut the last row of a real demo export at every offset: the
# file must be refused whole, never read with a short last row.
CUT_SOURCE = "US/ads/Sponsored Products Campaign report (2).csv"


def _cuts() -> tuple[bytes, int, int]:
    """The demo file's bytes, where its last row starts and where that row's last cell starts."""
    data = (EXPORTS_DIR / CUT_SOURCE).read_bytes()
    assert data.endswith(b"\n")
    row_start = data.rstrip(b"\n").rfind(b"\n") + 1
    cell_start = data.rstrip(b"\n").rfind(b",") + 1
    assert row_start < cell_start < len(data) - 1
    return data, row_start, cell_start


def _read_cut(data: bytes) -> tuple[list[Any], list[Any]]:
    folders, name = tuple(CUT_SOURCE.split("/")[:-1]), CUT_SOURCE.split("/")[-1]
    file = ExportFile(
        id=CUT_SOURCE,
        name=name,
        folders=folders,
        size=len(data),
        modified=None,
        _reader=lambda: data,
    )
    return read_file(file, hints(windows=False))


def _not_refused(data: bytes, offsets: range) -> list[int]:
    wrong = []
    for cut in offsets:
        exports, problems = _read_cut(data[:cut])
        if exports or [p.action for p in problems] != ["refused whole"]:
            wrong.append(cut - offsets.start)
    return wrong


def test_a_download_cut_anywhere_before_the_last_cell_is_refused_whole() -> None:
    data, row_start, cell_start = _cuts()
    assert _not_refused(data, range(row_start + 1, cell_start)) == []


def test_a_download_cut_inside_the_last_cell_is_refused_whole() -> None:
    """'$49.99' cut to '$', '$4', '$49' or '$49.': the start of a number, a shape no other cell
    of the column has (a whole number like '$49' is judged here: 65 other values disagree)."""
    data, _, cell_start = _cuts()
    whole = data.rstrip(b"\r\n")
    assert whole[cell_start:] == b"$49.99"
    assert _not_refused(data, range(cell_start + 1, len(whole) - 1)) == []


@pytest.mark.parametrize("cut", ["", "$49.9"])
def test_a_cut_that_leaves_a_possible_value_is_read_as_it_is(cut: str) -> None:
    """The documented limit (docs/reliability.md): an empty last cell may be real, and Ads
    exports drop trailing zeros ('$265.9' beside '$49.99'), so '$49.9' is a number the column
    can hold; nothing in the bytes tells either from a complete file without a final line break."""
    data, _, cell_start = _cuts()
    exports, problems = _read_cut(data[:cell_start] + cut.encode())
    assert problems == [] and [e.rows for e in exports] == [66]


@pytest.mark.parametrize("column, last", [
    (["smaller than expected", "wrong item sent by the seller", "arrived late", "", "", ""], "too small"),
    (["Shipped - Delivered to Buyer"] * 5, "Shipped"),
    (["4.5", "3.25", "2.75", "1.5", "6.25"], "4"),
    (["$12.50", "$3.99", "$7.25", "$1.10"], ""),
    (["Wireless Charger, 15W", "Desk Lamp LED 10 W", "USB-C Cable 2 m", "Phone Stand"], "Phone"),
])
def test_a_complete_last_cell_that_only_looks_short_is_not_refused(column: list[str], last: str) -> None:
    """Free text (comments, statuses, titles), a whole number among a few decimals, an empty
    cell: only the start of a number, in a number column, is judged cut. The file (no final
    line break) is read whole, its last cell as it is."""
    from sheetsbot.reports.rawtable import read_tables

    values = [*column, last]
    text = "row,last column\n" + "\n".join(f'{i},"{v}"' for i, v in enumerate(values))
    (table,) = read_tables(text.encode(), "export.csv", "export.csv")
    assert table.read([0, 1])[1].to_pylist() == values


def test_a_complete_file_without_a_final_line_break_is_read_whole() -> None:
    """UK Business Reports end without a line break: the last-cell check must not refuse them."""
    data, _, _ = _cuts()
    for ending in (b"", b"\r"):
        exports, problems = _read_cut(data.rstrip(b"\r\n") + ending)
        assert problems == [] and [e.rows for e in exports] == [66]


# =============================================================================================
# bad files among good ones: the good numbers do not move
# =============================================================================================


def _records(root: Path) -> job.KpiRun:
    return job.compute_from_folder(root, CONFIG, WEEK, MONTH)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> job.KpiRun:
    return _records(store_with(tmp_path_factory.mktemp("demo") / "exports", []))


def assert_same_records(before: pd.DataFrame, after: pd.DataFrame) -> None:
    known = pd.MultiIndex.from_frame(before[KEY])
    now = pd.MultiIndex.from_frame(after[KEY])
    added = after.loc[~now.isin(known), KEY]
    assert added.empty, f"the bad files added {len(added)} record(s):\n{added.head(10).to_string()}"
    assert len(after) == len(before), "records disappeared"
    pd.testing.assert_frame_equal(
        after.reset_index(drop=True), before.reset_index(drop=True), check_exact=True
    )


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> job.KpiRun:
    """The demo store plus every bad file except those that move numbers today (see BUGS)."""
    files = [f for f in corpus_files() if not (f in BUGS and NUMBERS in BUGS[f].checks)]
    return _records(store_with(tmp_path_factory.mktemp("mixed") / "exports", files))


def test_good_numbers_are_identical_with_the_bad_files_among_them(
    baseline: job.KpiRun, mixed: job.KpiRun
) -> None:
    assert_same_records(baseline.kpis.records, mixed.kpis.records)


def test_every_good_export_is_still_read_whole(baseline: job.KpiRun, mixed: job.KpiRun) -> None:
    before = {(e.name, e.kind): (e.rows_in_file, e.rows) for e in baseline.reports.exports}
    after = {
        (e.name, e.kind): (e.rows_in_file, e.rows)
        for e in mixed.reports.exports
        if (e.name, e.kind) in before
    }
    assert after == before
    bad = set(BY_FILE)
    assert all(p.path.split(" [")[0] in bad for p in mixed.reports.problems), [
        p.line() for p in mixed.reports.problems
    ]


# =============================================================================================
# the same through the command line
# =============================================================================================


@pytest.fixture(scope="module", autouse=True)
def cli_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[subprocess.Popen[str]]:
    """``sheetsbot kpis`` on the demo store plus every bad file, started first so that it runs
    while the in-process checks do."""
    root = store_with(tmp_path_factory.mktemp("cli") / "exports", corpus_files())
    command = [
        sys.executable, "-m", "sheetsbot", "kpis", "--input", str(root),
        "--config", str(CONFIG_PATH), "--week", DEMO_WEEK, "--month", DEMO_MONTH,
        "--format", "json",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield process
    if process.poll() is None:
        process.kill()
        process.communicate()


@pytest.fixture(scope="module")
def cli(cli_process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    stdout, stderr = cli_process.communicate(timeout=120)
    return subprocess.CompletedProcess(cli_process.args, cli_process.returncode, stdout, stderr)


def test_cli_on_the_mixed_folder_exits_0_with_json_on_stdout(
    cli: subprocess.CompletedProcess[str],
) -> None:
    assert cli.returncode == 0, cli.stderr
    records = json.loads(cli.stdout)
    assert isinstance(records, list) and records
    assert all(set(r) >= {"period", "level", "marketplace", "metric", "value"} for r in records)
    assert "Traceback" not in cli.stderr


def test_cli_stderr_names_only_bad_files_or_says_what_the_demo_says(
    cli: subprocess.CompletedProcess[str], baseline: job.KpiRun
) -> None:
    demo_notes = {f"note: {n}" for n in baseline.kpis.notes}
    for line in cli.stderr.splitlines():
        assert line in demo_notes or any(names(line, f) for f in BY_FILE), line


@pytest.mark.parametrize("case", cases(CLI, stage=None))
def test_cli_names_each_bad_file_in_exactly_one_line(
    case: dict[str, Any], cli: subprocess.CompletedProcess[str]
) -> None:
    lines = [line for line in cli.stderr.splitlines() if names(line, case["file"])]
    assert len(lines) == 1, lines
    line = lines[0]
    assert_message(line, case)
    assert len(line) <= MAX_MESSAGE + len("sheetsbot: "), f"{len(line)} characters"
    if case["action"] == "read with warning":
        assert line.startswith("note: ") or line.endswith("— read anyway"), line
    else:
        assert line.endswith(f"— {case['action']}"), line
