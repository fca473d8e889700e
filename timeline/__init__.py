"""The case history timeline: what happened to a case, when and by whom, from Temporal history.

- `model`: what a traced case looks like (CaseHistory, TimelineEntry, RunLink, Assignee).
- `runs`: fetching a case's runs from Temporal, walked back across continue-as-new.
- `events`: decoding each run's events, and finding each step's exact CaseEvent.
- `builder`: following the case through them to build its timeline.
- `inference`: naming the steps of cases recorded before history kept each CaseEvent.
- `render`: the words: one-line summaries, IST times, the printed trace, JSON.
"""

from timeline.builder import build_timeline, fetch_case_history
from timeline.model import Assignee, CaseHistory, RunHistory, RunLink, TimelineEntry
from timeline.render import format_ist, render_text, to_json
from timeline.runs import fetch_runs, runs_from_histories

__all__ = [
    "Assignee",
    "CaseHistory",
    "RunHistory",
    "RunLink",
    "TimelineEntry",
    "build_timeline",
    "fetch_case_history",
    "fetch_runs",
    "format_ist",
    "render_text",
    "runs_from_histories",
    "to_json",
]
