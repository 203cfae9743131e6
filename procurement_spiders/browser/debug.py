"""Save what a failed browser page looked like, for a person to read later."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from selenium.webdriver.remote.webdriver import WebDriver

from procurement_spiders.redaction import redact_text, redact_url


def save_failure(driver: WebDriver | None, folder: Path, spider: str, url: str, error: BaseException) -> Path:
    """Write `<stem>.png`, `<stem>.html` and `<stem>.txt`; returns the stem. Blocking, never raises.

    File names hold a timestamp, the spider name and a hash of the URL only: no secrets.
    """
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:12]
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"{time.time() % 1:.3f}"[1:]
    stem = folder / f"{stamp}-{spider}-{digest}"
    notes = [
        f"url: {redact_url(url, strip_query=True)}",
        f"error: {type(error).__name__}: {redact_text(str(error).strip()[:2000])}",
    ]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if driver is not None:
            try:
                driver.save_screenshot(str(stem) + ".png")
            except Exception as exc:  # noqa: BLE001 - a dead browser cannot take screenshots
                notes.append(f"screenshot: unavailable ({type(exc).__name__})")
            try:
                stem.with_name(stem.name + ".html").write_text(driver.page_source, encoding="utf-8")
            except Exception as exc:  # noqa: BLE001
                notes.append(f"page source: unavailable ({type(exc).__name__})")
        stem.with_name(stem.name + ".txt").write_text("\n".join(notes) + "\n", encoding="utf-8")
    except OSError:
        pass
    return stem
