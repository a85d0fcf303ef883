"""The folder poll: a run only for an export the Sheet has not processed; no download to tell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sheetsbot.sources import ExportFile
from sheetsbot.worker.poll import FolderWatch


@dataclass
class Record:
    md5: str
    processed_at: str


def drive_file(
    file_id: str, md5: str | None = None, modified: str = "2026-11-23T08:00:00+00:00"
) -> ExportFile:
    def never() -> bytes:
        raise AssertionError("the poll must not download")

    return ExportFile(
        id=file_id,
        name=f"{file_id}.csv",
        folders=("US",),
        size=10,
        modified=datetime.fromisoformat(modified),
        known_md5=md5,
        _reader=never,
    )


def test_new_and_changed_files_are_seen_by_checksum() -> None:
    listing = [drive_file("a", "m1"), drive_file("b", "m2")]
    processed = {"a": Record("m1", "2026-11-23T09:00:00+00:00")}
    reads = []

    def read() -> dict[str, Record]:
        reads.append(1)
        return processed

    watch = FolderWatch(lambda: listing, read)
    assert watch() is True  # b is new
    processed["b"] = Record("m2", "2026-11-23T09:00:00+00:00")
    assert watch() is False
    assert watch() is False and len(reads) == 2  # the same listing: no Sheet read
    listing[0] = drive_file("a", "m1-changed")
    assert watch() is True  # a was replaced by a new version
    assert len(reads) == 3


def test_files_without_a_checksum_compare_their_modified_time() -> None:
    processed = {"a": Record("local-md5", "2026-11-23T09:00:00+00:00")}
    assert (
        FolderWatch(
            lambda: [drive_file("a", modified="2026-11-23T08:59:00+00:00")], lambda: processed
        )()
        is False
    )
    assert (
        FolderWatch(
            lambda: [drive_file("a", modified="2026-11-23T09:01:00+00:00")], lambda: processed
        )()
        is True
    )


def test_an_empty_folder_is_quiet() -> None:
    assert FolderWatch(list, dict)() is False


def test_modified_naive_times_are_utc() -> None:
    naive = ExportFile(
        id="a",
        name="a.csv",
        folders=(),
        size=1,
        modified=datetime(2026, 11, 23, 10, 0),
        known_md5=None,
    )
    processed = {"a": Record("x", datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc).isoformat())}
    assert FolderWatch(lambda: [naive], lambda: processed)() is True
