"""The weekly Tasks tab: rules (data) → action items, merged with what the team did (pure).

    from sheetsbot.tasks import generate_tasks, load_rules, merge_tasks, task_completion
    generated = generate_tasks(report, config, week, owners, "en", rules=load_rules(None))
    tab = merge_tasks(existing_rows, generated, week)    # the team's edits survive
    rate, why = task_completion(tab, week)               # done ÷ due this week

Frames in, frames out: the only I/O is reading the rules file, and there is no clock (the
reporting week is a parameter). Rules live in ``config/rules.yaml`` (shipped as
``sheetsbot/tasks/rules.yaml``); texts in the ``tasks:`` section of ``sheetsbot/locales/*.yaml``.
"""

from __future__ import annotations

from sheetsbot.tasks.generate import TASK_COLUMNS, TASK_DTYPES, generate_tasks
from sheetsbot.tasks.merge import merge_tasks, task_completion
from sheetsbot.tasks.rules import DEFAULT_RULES, Condition, Rule, load_rules, parse_rules

__all__ = [
    "DEFAULT_RULES",
    "TASK_COLUMNS",
    "TASK_DTYPES",
    "Condition",
    "Rule",
    "generate_tasks",
    "load_rules",
    "merge_tasks",
    "parse_rules",
    "task_completion",
]
