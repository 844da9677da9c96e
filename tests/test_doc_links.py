"""Every relative link in README.md and docs/ leads somewhere inside the repository: a clone
has nothing beside it, so a link out of it (or to a file since moved) is a dead end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("**/*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
CODE = re.compile(r"`[^`\n]*`")


def links(document: Path) -> list[str]:
    """Link targets outside code blocks and code spans (a path in code is not a link)."""
    text = CODE.sub("", FENCE.sub("", document.read_text(encoding="utf-8")))
    return LINK.findall(text)


def anchors(document: Path) -> set[str]:
    """GitHub's anchors of the document's headings."""
    found = set()
    for line in FENCE.sub("", document.read_text(encoding="utf-8")).splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            slug = re.sub(r"[^\w\- ]", "", title).replace(" ", "-")
            found.add(slug)
    return found


def broken(document: Path, target: str) -> str | None:
    if re.match(r"^[a-z][a-z0-9+.-]*:", target):
        return None  # https:, mailto: ...
    path, _, anchor = target.partition("#")
    resolved = (document.parent / path).resolve() if path else document
    if not resolved.is_relative_to(REPO):
        return "leads out of the repository"
    if not resolved.exists():
        return "does not exist"
    if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
        return f"has no heading #{anchor}"
    return None


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: str(d.relative_to(REPO)))
def test_every_relative_link_resolves_inside_the_repository(document: Path) -> None:
    problems = [
        f"{target}: {why}" for target in links(document) if (why := broken(document, target))
    ]
    assert not problems, problems


def test_the_checker_finds_a_link_out_of_the_repository_and_a_missing_file(tmp_path) -> None:
    page = REPO / "docs" / "architecture.md"
    assert broken(page, "../../shared/DESIGN.md") == "leads out of the repository"
    assert broken(page, "nowhere.md") == "does not exist"
    assert broken(page, "protocol.md#no-such-part") == "has no heading #no-such-part"
    assert broken(page, "protocol.md#heartbeat") is None
    assert broken(page, "https://example.org/x") is None


def test_the_readme_links_the_architecture() -> None:
    assert "docs/architecture.md" in links(REPO / "README.md")


def test_the_architecture_names_only_files_and_folders_that_exist() -> None:
    """Paths the architecture document names in code spans, tables and drawings (kiosk/ui/,
    tests/test_outbox.py) exist: it describes what is built, so a move must update it."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(
        re.findall(
            r"(?<![\w/.])((?:kiosk_core|kiosk|hub|tests|bench|docs|deploy|systemd)"
            r"/[\w./*-]*)",
            text,
        )
    )
    missing = [
        path for path in sorted(named) if not any(REPO.glob(path.rstrip("/").rstrip(".") or path))
    ]
    assert len(named) > 20, named
    assert not missing, missing
