"""The breach-risk model: which of today's complaints will miss its SLA unless someone acts."""
