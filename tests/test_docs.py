"""The docs cannot drift: the CLI reference is what --help says, and every relative link lands."""
from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

GENERATOR = REPO / "scripts" / "cli-reference"
CLI_PAGE = REPO / "docs" / "reference" / "cli.md"
PAGES = sorted([REPO / "README.md", *(REPO / "docs").rglob("*.md")])

FENCE = re.compile(r"^ {0,3}(```|~~~)")
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def _prose(text: str) -> str:
    """The text outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return "\n".join(lines)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text lower-cased, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = re.sub(r"<[^>]+>", "", text).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading anchor of a Markdown page, repeated headings numbered as GitHub numbers them."""
    seen: dict[str, int] = {}
    found = set()
    for line in _prose(page.read_text()).splitlines():
        match = HEADING.match(line)
        if not match:
            continue
        slug = _slug(match.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def links(page: Path) -> list[str]:
    """Link targets outside code (a `[x](y)` in code is no link); a link's text may span lines."""
    prose = re.sub(r"`[^`]*`", "``", _prose(page.read_text()))
    return INLINE_LINK.findall(prose) + REFERENCE_LINK.findall(prose)


def broken_links(page: Path) -> list[str]:
    """Relative links of `page` whose file does not exist, or whose #anchor names no heading there."""
    problems = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("//"):
            continue  # http:, https:, mailto: ... — not checked offline
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            problems.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            problems.append(f"{target}: no such heading")
    return problems


def test_the_cli_reference_is_what_help_says():
    render = runpy.run_path(str(GENERATOR))["render"]
    assert CLI_PAGE.read_text() == render(), "docs/reference/cli.md is stale: run .venv/bin/python scripts/cli-reference"


def test_the_generator_check_fails_on_a_stale_page(tmp_path):
    assert subprocess.run([sys.executable, str(GENERATOR), "--check"], check=False).returncode == 0
    stale = tmp_path / "cli.md"
    stale.write_text(CLI_PAGE.read_text().replace("Show this message and exit.", "Show help."))
    assert runpy.run_path(str(GENERATOR))["main"](["--check"], stale) == 1


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_lands(page: Path):
    assert broken_links(page) == []


def test_a_broken_link_or_anchor_is_caught(tmp_path):
    (tmp_path / "there.md").write_text("# A heading, with `code`\n\n## Twice\n\n## Twice\n\n"
                                       "```sh\n# not a heading\n```\n")
    page = tmp_path / "page.md"
    page.write_text("[ok](there.md) [ok](there.md#a-heading-with-code) [ok](there.md#twice-1) [ok](#local)\n"
                    "[gone](missing.md) [bad anchor](there.md#nope) [in code](there.md#not-a-heading)\n"
                    "`[ignored](nowhere.md)` [web](https://example.com/x.md)\n\n"
                    "[ref]: also-missing.md\n\n# Local\n")
    assert broken_links(page) == ["missing.md: no such file", "there.md#nope: no such heading",
                                  "there.md#not-a-heading: no such heading", "also-missing.md: no such file"]


def test_the_index_lists_every_page():
    index = REPO / "docs" / "index.md"
    listed = {(index.parent / link.partition("#")[0]).resolve() for link in links(index)}
    pages = {page.resolve() for page in (REPO / "docs").rglob("*.md") if page != index}
    assert sorted(str(p.relative_to(REPO)) for p in pages - listed) == []
