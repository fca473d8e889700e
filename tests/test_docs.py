"""A newcomer reading the README and docs/ finds every file they name, and the real state table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from domain.states import markdown_table

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", REPO / "bench" / "README.md", *sorted((REPO / "docs").glob("*.md"))]
# Folders of the repository: a backticked path under one of them names a file that must exist.
NOT_OURS = {"var", "__pycache__", "node_modules", "build", "dist"}
FOLDERS = {
    p.name
    for p in REPO.iterdir()
    if p.is_dir()
    and not p.name.startswith(".")
    and not p.name.endswith(".egg-info")
    and p.name not in NOT_OURS
}
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
PATH = re.compile(r"`([A-Za-z0-9_\-/]+/[A-Za-z0-9_.\-/]+\.(?:py|md|toml|sh|json|ya?ml))(?:::\w+)?`")
# bench/README.md is a log: its older entries name files as they were when measured.
HISTORICAL = {REPO / "bench" / "README.md"}


def named_files(doc: Path) -> list[str]:
    """The repository files a document links to, or names in backticks under a repo folder
    (bench/README.md is a log: its older entries name files as they were, so only its links)."""
    text = doc.read_text(encoding="utf-8")
    links = [m.group(1) for m in LINK.finditer(text) if "://" not in m.group(1)]
    if doc in HISTORICAL:
        return links
    return [*links, *(p for p in PATH.findall(text) if p.split("/", 1)[0] in FOLDERS)]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_file_the_docs_name_exists(doc: Path):
    missing = [
        name
        for name in named_files(doc)
        if not ((doc.parent / name).exists() or (REPO / name).exists())
    ]
    assert missing == [], f"{doc.relative_to(REPO)} names files that do not exist: {missing}"


def test_the_readme_state_table_is_the_one_the_workflow_enforces():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, (
        "README.md's state table differs from domain/states.py: paste markdown_table()"
    )


def test_the_readme_architecture_names_every_top_level_folder():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    unnamed = sorted(f for f in FOLDERS if f"`{f}/`" not in section)
    assert unnamed == [], f"README's Architecture has no sentence for {unnamed}"
