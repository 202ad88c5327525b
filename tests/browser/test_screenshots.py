"""Screenshots of the home page in English and Spanish, as shown in README.md.

Every run takes them (so a page that fails to render fails here); they are saved to the
folder named by SCREENSHOTS_DIR when it is set, e.g. to refresh the README's pictures:

    SCREENSHOTS_DIR=docs/screenshots .venv/bin/python -m portal.devstack exec -- \
        .venv/bin/python -m pytest tests/browser/test_screenshots.py
"""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from tests.browser.pages import VIEWPORTS, choose_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
FILE_NAMES = {"en": "home.png", "es": "home-es.png"}


def test_home_page_screenshots(page: Page, live_server, tmp_path):
    # given
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    folder = folder if folder.is_absolute() else BASE_DIR / folder
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(VIEWPORTS["desktop"])

    for language, file_name in FILE_NAMES.items():
        # when
        choose_language(page, language=language, base_url=live_server.url)
        page.goto(live_server.url + reverse("portal:home"), wait_until="networkidle")
        picture = page.screenshot(path=folder / file_name, full_page=True)

        # then: a real picture of the page in that language
        assert picture.startswith(b"\x89PNG")
        assert page.locator("html").get_attribute("lang") == language
