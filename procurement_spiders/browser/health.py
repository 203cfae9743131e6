"""Is the browser side usable? Read by the project's health check."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.request
from typing import Any

from procurement_spiders.config import Config


def selenium_status(config: Config, timeout: float = 5.0) -> dict[str, Any]:
    """Status of SELENIUM_URL's `/status` (Grid or chromedriver), or of the local Chromium install.

    Keys: ok (the browser side is up: a Grid with at least one live slot, a ready chromedriver, or
    a local install), busy (every Grid slot in use: `value.ready` is then false), mode
    ("remote"/"local"), ready, message, slots, free_slots (None when
    unknown, e.g. chromedriver has no session cap), and url / versions / error where relevant.
    """
    if config.selenium_url:
        return _remote_status(config.selenium_url, timeout)
    return _local_status(timeout)


def _remote_status(url: str, timeout: float) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ok": False,
        "mode": "remote",
        "url": url,
        "ready": False,
        "message": None,
        "slots": None,
        "free_slots": None,
    }
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/status", timeout=timeout) as resp:
            value = json.load(resp)["value"]
    except (OSError, ValueError, KeyError, urllib.error.URLError) as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
        return out
    out["ready"] = bool(value.get("ready"))
    out["message"] = value.get("message")
    nodes = value.get("nodes")
    if nodes is not None:  # Selenium Grid: count slots without a session
        slots = [slot for node in nodes if node.get("availability") == "UP" for slot in node.get("slots", [])]
        out["slots"] = len(slots)
        out["free_slots"] = sum(1 for slot in slots if slot.get("session") is None)
        # Grid reports ready=false while every slot is busy: busy is healthy, no UP slot is not.
        out["ok"] = out["slots"] > 0
        out["busy"] = out["free_slots"] == 0
    else:  # a bare chromedriver: ready means it accepts sessions
        out["ok"] = out["ready"]
    return out


def _version(binary: str | None, timeout: float) -> str | None:
    if not binary:
        return None
    try:
        done = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _local_status(timeout: float) -> dict[str, Any]:
    chromedriver = _version(shutil.which("chromedriver"), timeout)
    chromium = _version(shutil.which("chromium") or shutil.which("chromium-browser"), timeout)
    ok = bool(chromedriver and chromium)
    return {
        "ok": ok,
        "mode": "local",
        "ready": ok,
        "slots": None,
        "free_slots": None,
        "message": "local chromium and chromedriver found" if ok else "chromium or chromedriver missing",
        "versions": {"chromedriver": chromedriver, "chromium": chromium},
    }
