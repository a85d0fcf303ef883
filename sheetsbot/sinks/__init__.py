"""Where the workbook model is written: an ``.xlsx`` file (:mod:`sheetsbot.sinks.xlsx`) or a
Google Sheet. Every sink renders the same :class:`sheetsbot.workbook.model.Workbook` and reads
back the tabs the team edits (``read_tabs``) so a run can merge their changes.

    from sheetsbot.sinks import XlsxSink

    summary = XlsxSink("sheetsbot-demo.xlsx").write(workbook)
"""

from sheetsbot.sinks.xlsx import WriteSummary, XlsxSink, XlsxSinkError, read_tabs

__all__ = ["WriteSummary", "XlsxSink", "XlsxSinkError", "read_tabs"]
