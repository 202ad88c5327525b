"""What the browser tests do to a page: sign in, pick a language, run axe-core."""

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page

# The two widths every page is checked at: a small phone and a laptop.
VIEWPORTS = {
    "mobile": {"width": 375, "height": 812},
    "desktop": {"width": 1280, "height": 900},
}


def log_in_browser(page: Page, *, user, base_url: str) -> None:
    """Give the page's browser context a signed-in session of `user`, without the login form."""
    client = Client()
    client.force_login(user, backend="accounts.backends.ModelBackend")
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )


def choose_language(page: Page, *, language: str, base_url: str) -> None:
    """Set Django's language cookie, as the language switcher does."""
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}]
    )


def axe_violations(axe: Axe, page: Page) -> list[str]:
    """Run axe-core on the page; one readable line per violating element, empty if none.

    It waits for the document's load first: axe run while a page that a click opened is still
    fetching its stylesheets judges colours without them (a button on the browser's default
    grey), which is not what anyone sees."""
    page.wait_for_load_state("load")
    results = axe.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} {node['failureSummary']}"
        for violation in results.response["violations"]
        for node in violation["nodes"]
    ]
