"""sheetsbot: Amazon seller exports in, a living Google Sheet out.

    from sheetsbot.sources.local import LocalFolder
    from sheetsbot.reports import read_exports
    from sheetsbot.kpis import compute_kpis
    from sheetsbot.periods import Period

    exports = read_exports(LocalFolder("exports/"))
    records = compute_kpis(exports, Period.parse("2026-W47"))

The layers, each importing only the ones to its left:
sources → reports → kpis → tasks → workbook → sinks; ``job`` wires one run and the entry
points (``cli``, ``worker``) call the job.
"""

__version__ = "0.1.0"
