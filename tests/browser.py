"""Render a local HTML file in headless Chromium for tests: a screenshot and a JS probe's result.

Uses the system Chromium (Debian's /usr/bin/chromium, or $EMSTEER_CHROMIUM), never a downloaded
browser. Driven through the `playwright` package when it is installed; otherwise through the
chromium command line (--screenshot, and --dump-dom of a copy with the probe appended). Network
requests other than file:// are blocked and recorded, so a test can show the page needs none.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--force-device-scale-factor=1",
]
WINDOW = (1400, 1800)


def chromium_path() -> str | None:
    """The Chromium binary to use, or None when there is none on this machine."""
    for candidate in (os.environ.get("EMSTEER_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@dataclass
class Rendered:
    screenshot: Path  # PNG of the viewport, taken before the probe runs
    probe: Any  # what the probe function returned (JSON round-tripped)
    blocked: list[str] = field(default_factory=list)  # non-file URLs the page tried to load


def has_playwright() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def render(path: str | Path, probe: str, *, screenshot: str | Path, full_page: bool = False,
           timeout_s: float = 60, driver: str = "auto", window: tuple[int, int] = WINDOW) -> Rendered:
    """Open ``path`` in headless Chromium, screenshot it, then evaluate ``probe`` (the source of a
    JS function with no arguments that returns JSON-serialisable data).

    ``driver``: "playwright", "cli" (the chromium command line; viewport screenshots only), or
    "auto" ($EMSTEER_BROWSER_DRIVER if set, else playwright when installed). ``window``: the
    viewport's width and height in CSS pixels."""
    binary = chromium_path()
    if binary is None:
        raise RuntimeError("no chromium binary found (apt-get install -y chromium)")
    if driver == "auto":
        driver = os.environ.get("EMSTEER_BROWSER_DRIVER") or ("playwright" if has_playwright() else "cli")
    if driver == "cli":
        return _render_cli(binary, Path(path), probe, Path(screenshot), timeout_s, window)
    return _render_playwright(binary, Path(path), probe, Path(screenshot), full_page, timeout_s, window)


def _render_playwright(binary: str, path: Path, probe: str, screenshot: Path, full_page: bool, timeout_s: float,
                       window: tuple[int, int] = WINDOW) -> Rendered:
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith(("file:", "data:", "about:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    with tempfile.TemporaryDirectory(prefix="emsteer-chromium-") as profile, sync_playwright() as p:
        # A persistent context on a fresh directory: the profile is ours and is deleted afterwards.
        context = p.chromium.launch_persistent_context(
            profile, executable_path=binary, headless=True, args=[f for f in FLAGS if f != "--headless"],
            viewport={"width": window[0], "height": window[1]}, device_scale_factor=1, timeout=timeout_s * 1000,
        )
        try:
            page = context.new_page()
            page.set_default_timeout(timeout_s * 1000)
            page.route("**/*", route)
            page.goto(path.resolve().as_uri(), wait_until="load")
            page.screenshot(path=str(screenshot), full_page=full_page)
            result = page.evaluate(probe)
        finally:
            context.close()
    return Rendered(screenshot, json.loads(json.dumps(result)), blocked)


def _render_cli(binary: str, path: Path, probe: str, screenshot: Path, timeout_s: float,
                window: tuple[int, int] = WINDOW) -> Rendered:
    with tempfile.TemporaryDirectory(prefix="emsteer-chromium-") as tmp:
        def run(*args: str) -> str:
            cmd = [binary, *FLAGS, f"--user-data-dir={tmp}/profile-{len(os.listdir(tmp))}",
                   f"--window-size={window[0]},{window[1]}", *args]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
            return done.stdout

        run(f"--screenshot={screenshot.resolve()}", path.resolve().as_uri())
        # The probe runs after the page's own scripts and leaves its answer in the DOM.
        probed = Path(tmp) / path.name
        hook = ("<script>(function(){var out=document.createElement('pre');out.id='__probe';"
                f"out.textContent=JSON.stringify(({probe})());document.body.appendChild(out);}})();</script>")
        source = path.read_text(encoding="utf-8")
        probed.write_text(source.replace("</body>", hook + "</body>") if "</body>" in source else source + hook,
                          encoding="utf-8")
        dom = run("--virtual-time-budget=5000", "--dump-dom", probed.as_uri())
    m = re.search(r'<pre id="__probe">(.*?)</pre>', dom, re.DOTALL)
    if m is None:
        raise RuntimeError("the probe left no result in the page (did a script fail?)")
    return Rendered(screenshot, json.loads(html.unescape(m.group(1))))
