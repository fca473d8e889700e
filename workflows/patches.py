"""Every `workflow.patched` id of the complaint workflow, oldest first, in one place.

A case lives for weeks, so a change to the commands a running case issues goes behind a
patch: cases started before the change replay without it (tests/test_replay.py replays the
committed histories in tests/histories/). Once no running case predates a patch, it can be
deprecated (`workflow.deprecate_patch`) and its old branch removed.
"""

# Intake ends with an Assignment notice (ASSIGNED -> NOTICE_ISSUED).
PATCH_ASSIGNMENT_NOTICE = "assignment-notice"
# After intake the case waits for proof, re-complaints, the citizen and its SLA deadlines.
PATCH_LIFECYCLE = "lifecycle"
# Projection writes run as local activities: a short idempotent DB write needs no task queue
# round trip, which roughly halves the server work per step (see bench/README.md).
PATCH_LOCAL_RECORDS = "local-records"
# The `record` activity returns the CaseEvent it wrote, so each step's event is in history
# as that activity's result (the MarkerRecorded event of a local activity). The timeline reads
# events there; for runs without this marker (their results are null) it infers them.
PATCH_RECORDED_EVENTS = "recorded-events"
# A breach below the top of the ladder that finds nobody above leaves the case with its
# holder: that counts as a breach while held, so a later fix is not scored on time.
PATCH_BREACH_KEPT_HOLDER = "breach-kept-holder"
# The priority comes from the breach-risk model's assessment (assess_priority: the risk, the
# model id and its reasons, or the rules when there is no model), not the rule alone.
PATCH_RISK_PRIORITY = "risk-priority"
