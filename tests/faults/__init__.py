"""Fault suite: real stacks, 100 complaints in flight, one fault each; nothing lost or doubled.

Run alone with `.venv/bin/python -m pytest tests/faults -q` (add `-s` to see each line as it
comes; the figures are printed in a "fault suite" section at the end of the run either way).

- stack.py: the `make up` stack as processes to kill (rclone S3, Temporal dev server on
  SQLite, `civicops server`, `civicops worker`); postgres.py: a private PostgreSQL cluster.
- traffic.py: complaint sites, the retrying burst (Idempotency-Key each), the progress watch.
- audit.py: rows, notices, S3 objects and SHA-256s, Temporal workflows: lost and duplicated.
- scenario.py: begin / finish, shared by the tests.

Every random choice comes from one seed, printed at the end; CIVICOPS_FAULT_SEED replays it.
The PostgreSQL restart is opt-in (CIVICOPS_FAULTS_POSTGRES=1): it does not fit the budget.
"""
