"""Plain domain vocabulary shared by the API, workflows and activities (no I/O)."""
