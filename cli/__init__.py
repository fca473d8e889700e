"""The `civicops` command-line tool."""
