"""The case history timeline: what happened to a case, when and by whom, from Temporal history."""

from timeline.history import (
    Assignee,
    CaseHistory,
    RunHistory,
    RunLink,
    TimelineEntry,
    build_timeline,
    fetch_case_history,
    fetch_runs,
    format_ist,
    render_text,
    runs_from_histories,
    to_json,
)

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
