"""Playwright (Python) driving Debian's Chromium — never a downloaded browser."""

import os
from pathlib import Path

CHROMIUM = os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-output" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--enable-unsafe-swiftshader"]


def launch(playwright):
    # CI runs the SQLite and PostgreSQL passes at once on two cores and Chromium draws WebGL in software: a map
    # click's card may take longer than Playwright's default 5 s to appear there
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
