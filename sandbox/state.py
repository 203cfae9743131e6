"""Shared mutable state of one sandbox app: the data set, the active faults and request stats."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from sandbox.app import OPTIONS
from sandbox.dataset import DEFAULT_ITENS, DEFAULT_SEED, Dataset

STATE_KEY = web.AppKey("sandbox_state", object)

# Fault keys and their "off" values; POST /__sandbox__/faults replaces the whole set.
FAULT_DEFAULTS: dict[str, Any] = {
    "latency_ms": 0,
    "slow_every": 0,
    "slow_ms": 0,
    "http429_every": 0,
    "http5xx_every": 0,
    "no_rows": "204",
    "page_boundary": False,
    "count_mismatch": 0,
    "dadosabertos_down": False,
    "concurrency_limit": 0,
    # hostile answers (sandbox/hostile.py): what a broken or malicious portal could send
    "valor_total": "",  # the first item of every plan carries this valorTotal (VALOR_TOTAL_FAULTS)
    "dadosabertos_bad_rows": "",  # "dfd" | "dates": the first published row of every page is broken
    "declared_quantidade": 0,  # /itens/quantidade says this (0: the truth)
    "declared_total_paginas": 0,  # Dados Abertos totalPaginas says this (0: the truth)
    "ignore_pagina": False,  # every paged route serves page 1, whatever `pagina` asks
    "redirect_host": "",  # API requests are redirected (302) to this host name, same port and path
}
NO_ROWS_MODES = ("204", "empty200", "404")
# Fault keys whose value is a string, and the values each accepts (None: a host name).
STRING_FAULTS: dict[str, tuple[str, ...] | None] = {
    "no_rows": NO_ROWS_MODES,
    "valor_total": ("", "NaN", "Infinity", "-Infinity", "1e30", "400digits", "null", "absent", "true", "-1", "string"),
    "dadosabertos_bad_rows": ("", "dfd", "dates"),
    "redirect_host": None,
}


@dataclass
class Stats:
    total: int = 0
    by_route: dict[str, int] = field(default_factory=dict)
    max_in_flight: int = 0
    faults_served: dict[str, int] = field(default_factory=dict)

    def count_fault(self, kind: str) -> None:
        self.faults_served[kind] = self.faults_served.get(kind, 0) + 1

    def as_json(self) -> dict:
        return {
            "total": self.total,
            "by_route": dict(sorted(self.by_route.items())),
            "max_in_flight": self.max_in_flight,
            "faults_served": dict(sorted(self.faults_served.items())),
        }


@dataclass
class SandboxState:
    itens: int
    seed: int
    dataset: Dataset
    faults: dict[str, Any] = field(default_factory=lambda: dict(FAULT_DEFAULTS))
    stats: Stats = field(default_factory=Stats)
    in_flight: int = 0
    counter: int = 0  # API requests since the last faults POST (drives the "every Nth" faults)
    fault_5xx_served: int = 0

    def regenerate(self, itens: int | None = None, seed: int | None = None) -> None:
        self.itens = self.itens if itens is None else itens
        self.seed = self.seed if seed is None else seed
        self.dataset = Dataset(self.itens, self.seed)

    def set_faults(self, faults: dict[str, Any]) -> None:
        merged = dict(FAULT_DEFAULTS)
        merged.update(faults)
        self.faults = merged
        self.counter = 0
        self.fault_5xx_served = 0
        self.stats = Stats()


def get_state(app: web.Application) -> SandboxState:
    """The app's state, created on first use from `create_app(itens=, seed=)` options."""
    state = app.get(STATE_KEY)
    if state is None:
        options = app.get(OPTIONS, {})
        itens = int(options.get("itens", DEFAULT_ITENS))
        seed = int(options.get("seed", DEFAULT_SEED))
        state = SandboxState(itens, seed, Dataset(itens, seed))
        app[STATE_KEY] = state
    return state


def validate_faults(body: Any) -> dict[str, Any]:
    """Checked copy of a faults POST body; raises ValueError naming the bad key."""
    if not isinstance(body, dict):
        raise ValueError("faults must be a JSON object")
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key not in FAULT_DEFAULTS:
            raise ValueError(f"unknown fault {key!r}; known: {sorted(FAULT_DEFAULTS)}")
        default = FAULT_DEFAULTS[key]
        if key in STRING_FAULTS:
            value, accepted = str(value), STRING_FAULTS[key]
            if accepted is not None and value not in accepted:
                raise ValueError(f"{key} must be one of {accepted}")
            if accepted is None and not re.fullmatch(r"[a-z0-9.-]{0,253}", value):
                raise ValueError(f"{key} must be a host name")
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValueError(f"{key} must be a boolean")
        else:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{key} must be a non-negative integer")
        out[key] = value
    return out
