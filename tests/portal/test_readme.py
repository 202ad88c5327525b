"""The README stays short and points into docs/: every link it and the docs give resolves."""

import re
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
# [text](target) and ![alt](target), without the web's links or a page's own anchors.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
PAGES = [BASE_DIR / "README.md", *sorted((BASE_DIR / "docs").glob("*.md"))]


def local_links(page: Path) -> list[str]:
    targets = LINK.findall(page.read_text())
    return [t.split("#")[0] for t in targets if "://" not in t and not t.startswith("#")]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_local_link_names_a_file_that_exists(page):
    # given
    links = local_links(page)

    # when
    broken = [link for link in links if not (page.parent / link).exists()]

    # then
    assert broken == []


def test_readme_links_the_pages_it_moved_its_details_to():
    # given
    links = set(local_links(BASE_DIR / "README.md"))

    # then
    assert {
        "docs/configuration.md",
        "docs/development.md",
        "docs/deployment.md",
        "docs/performance.md",
        "docs/services.md",
    } <= links
