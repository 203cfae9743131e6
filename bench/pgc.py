"""PGC crawls against the sandbox's own lower bound, and the legacy macro's way, in one run.

    .venv/bin/python -m bench.pgc [--dfds 1000] [--cards 1000] [--spinner 300] [--render 300]
                                  [--legacy-sleep 1.0] [--skip-legacy]

Starts the sandbox (python -m sandbox) on a free port and, unless SELENIUM_URL is set, a Grid with
scripts/grid.sh on a free port (stopped at the end). The sandbox serves `--dfds` DFDs (20 a page)
and `--cards` contratação cards, with mandatory delays: `--spinner` ms per app request (the
ng-http-loader spinner), `--render` ms per lazily rendered batch of 20 cards, 300 ms login
processing and 200 ms before the área de trabalho shows its tiles. No faults.

The lower bound of each crawl is the sum of the delays it cannot avoid:
  DFDs:  login + área + spinner x (1 PCA list + one per page)
  cards: login + área + spinner x (1 PCA list + 1 tab totals) + render x (batches of each tab)

Measured, each in one process start to end (Python start-up, Scrapy, browser session included):
  1. `scrapy crawl pgc -a ano=2025` (ours: one pinned session through the browser layer)
  2. `scrapy crawl pncp -a ano=2025 -a fonte=pgc` (Formação do PCA: the alias of `pgc_formacao`)
  3. the legacy macro's way: one driver, click, then a fixed sleep (`--legacy-sleep`) after every
     action instead of waiting on the page, table read cell by cell, cards after each scroll.
Items are checked against the sandbox's truth. Prints wall time, lower bound and their ratio.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.support import free_port, wait_http

ROOT = Path(__file__).resolve().parents[1]

PAGE_SIZE = 20
CARD_BATCH = 20
PROCESSING_MS = 300
AREA_MS = 200
DEMO_CPF, DEMO_SENHA = "99999999999", "sandbox-demo"  # sandbox-only demo account


def call(url: str, method: str = "GET", body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read() or b"null")


def run_crawl(args: list[str], env: dict[str, str], out: Path) -> tuple[float, list[dict], str]:
    started = time.monotonic()
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "scrapy"), "crawl", *args, "-O", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    wall = time.monotonic() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"crawl {args} failed ({proc.returncode})")
    items = json.loads(out.read_text() or "[]")
    return wall, items, proc.stderr


def legacy_macro(sandbox: str, selenium_url: str, sleep: float, ano: int) -> tuple[float, int, int]:
    """One driver, fixed sleeps, the way the VBA macro clicked through PGC."""
    from selenium.webdriver.common.by import By

    from procurement_spiders.browser.session import create_driver, quit_quietly
    from procurement_spiders.config import load_config
    from procurement_spiders.pages.pgc.dom import scroll_to_end
    from procurement_spiders.pages.pgc.selectors import legacy_replay

    p = legacy_replay()
    started = time.monotonic()
    config = load_config(environ={"SELENIUM_URL": selenium_url}, env_file=Path("/nonexistent/.env"))
    driver = create_driver(config)
    try:
        x = lambda xpath: driver.find_element(By.XPATH, xpath)  # noqa: E731
        driver.get(sandbox + p["login_path"])
        time.sleep(sleep)
        x(p["expand_governo"]).click()
        driver.find_element(By.ID, p["input_login_id"]).send_keys(DEMO_CPF)
        driver.find_element(By.ID, p["input_senha_id"]).send_keys(DEMO_SENHA)
        x(p["login_submit"]).click()
        time.sleep(sleep)
        x(p["pgc_access"]).click()
        time.sleep(sleep)
        driver.switch_to.window([h for h in driver.window_handles if h != driver.current_window_handle][0])
        time.sleep(sleep)
        driver.find_element(By.ID, p["minha_uasg_id"]).click()
        x(p["dropdown_pca"]).click()
        time.sleep(sleep)
        x(p["pca_option"](ano)).click()
        time.sleep(sleep)
        dfds: set[str] = set()
        while True:
            for tr in driver.find_elements(By.XPATH, p["table_rows"]):
                cells = tr.find_elements(By.TAG_NAME, "td")
                row = [cells[i - 1].text for i in p["columns"]]
                dfds.add(row[0])
            nxt = x(p["paginator_next"])
            if "p-disabled" in (nxt.get_attribute("class") or ""):
                break
            nxt.click()
            time.sleep(sleep)
        x(p["formacao"]).click()
        time.sleep(sleep)
        x(p["dropdown_pca"]).click()
        time.sleep(sleep)
        x(p["pca_option"](ano)).click()
        time.sleep(sleep)
        cards = 0
        for aba in p["abas"]:
            x(p["tab"](aba)).click()
            time.sleep(sleep)
            total = int("".join(ch for ch in x(p["tab_total"](aba)).text if ch.isdigit()) or 0)
            seen = 0
            while seen < total:
                items = driver.find_elements(By.XPATH, p["tab_cards"](aba))
                for item in items[seen:]:
                    card = item.find_element(By.XPATH, p["card_contratacao"])
                    _ = card.text  # read each card's text, as the macro did
                seen = len(items)
                if seen >= total:
                    break
                scroll_to_end(driver, p["tab_scroll_anchor"](aba))
                time.sleep(sleep)
            cards += seen
        return time.monotonic() - started, len(dfds), cards
    finally:
        quit_quietly(driver)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dfds", type=int, default=1000)
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--spinner", type=int, default=300)
    parser.add_argument("--render", type=int, default=300)
    parser.add_argument("--legacy-sleep", type=float, default=1.0)
    parser.add_argument("--skip-legacy", action="store_true")
    parser.add_argument("--ano", type=int, default=2025)
    args = parser.parse_args()

    port = free_port()
    sandbox = f"http://127.0.0.1:{port}"
    sb = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    grid_env = None
    selenium_url = os.environ.get("SELENIUM_URL")
    try:
        if not selenium_url:
            gport = free_port()
            grid_env = dict(os.environ, GRID_PORT=str(gport), GRID_MAX_SESSIONS="2")
            subprocess.run(
                [str(ROOT / "scripts" / "grid.sh"), "start"],
                env=grid_env,
                check=True,
                capture_output=True,
                text=True,
                timeout=120,
            )
            selenium_url = f"http://127.0.0.1:{gport}"
        wait_http(sandbox + "/__sandbox__/health")
        call(
            sandbox + "/__sandbox__/pgc/dataset",
            "POST",
            {"ano": args.ano, "dfds": args.dfds, "contratacoes": args.cards},
        )
        call(
            sandbox + "/__sandbox__/pgc/faults",
            "POST",
            {
                "spinner_ms": args.spinner,
                "render_ms": args.render,
                "processing_ms": PROCESSING_MS,
                "area_ms": AREA_MS,
                "page_size": PAGE_SIZE,
                "card_batch": CARD_BATCH,
            },
        )
        truth_dfds = call(sandbox + f"/__sandbox__/truth/pgc-dfds?ano={args.ano}")["registros"]
        truth_cards = call(sandbox + f"/__sandbox__/truth/pgc-contratacoes?ano={args.ano}")["registros"]
        pages = math.ceil(len(truth_dfds) / PAGE_SIZE)
        tabs = {a: sum(1 for c in truth_cards if c["aba"] == a) for a in ("reprovadas", "aprovadas", "pendentes")}
        login_ms = PROCESSING_MS + AREA_MS
        bound_dfds = (login_ms + args.spinner * (1 + pages)) / 1000
        card_batches = sum(math.ceil(n / CARD_BATCH) for n in tabs.values())
        bound_cards = (login_ms + args.spinner * 2 + args.render * card_batches) / 1000

        env = {k: v for k, v in os.environ.items() if not k.startswith(("PGC_", "PNCP_", "SELENIUM_", "DATABASE_URL"))}
        env.update(
            PROCUREMENT_ENV_FILE="/nonexistent/.env",
            PGC_REAL_ENABLED="false",
            PNCP_REAL_ENABLED="false",
            SANDBOX_URL=sandbox,
            SELENIUM_URL=selenium_url,
            PGC_CPF=DEMO_CPF,
            PGC_SENHA=DEMO_SENHA,
            ORGAO_CNPJ="00394452000103",
            LOG_LEVEL="INFO",
        )
        print(
            f"sandbox: {len(truth_dfds)} DFDs in {pages} pages, {len(truth_cards)} cards {tabs}; "
            f"spinner {args.spinner} ms, render {args.render} ms per {CARD_BATCH} cards; Grid {selenium_url}"
        )
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            call(sandbox + "/__sandbox__/pgc/stats", "DELETE")
            wall, items, _ = run_crawl(["pgc", "-a", f"ano={args.ano}"], env, Path(tmp) / "dfds.json")
            ok = sorted(i["dfd"] for i in items) == sorted(t["dfd"] for t in truth_dfds)
            rows.append(
                ("scrapy crawl pgc (DFDs)", wall, bound_dfds, f"{len(items)} DFDs, truth {'ok' if ok else 'MISMATCH'}")
            )
            call(sandbox + "/__sandbox__/pgc/stats", "DELETE")
            wall, items, _ = run_crawl(
                ["pncp", "-a", f"ano={args.ano}", "-a", "fonte=pgc"], env, Path(tmp) / "cards.json"
            )
            ok = sorted(i["contratacao"] for i in items) == sorted(t["contratacao"] for t in truth_cards)
            rows.append(
                (
                    "scrapy crawl pncp -a fonte=pgc (cards)",
                    wall,
                    bound_cards,
                    f"{len(items)} cards, truth {'ok' if ok else 'MISMATCH'}",
                )
            )
        if not args.skip_legacy:
            call(sandbox + "/__sandbox__/pgc/sessions", "DELETE")
            wall, n_dfds, n_cards = legacy_macro(sandbox, selenium_url, args.legacy_sleep, args.ano)
            bound = bound_dfds + bound_cards - (login_ms + args.spinner) / 1000  # one login, one PCA list
            rows.append(
                (
                    f"legacy macro way (1 driver, fixed {args.legacy_sleep:g} s sleeps), both screens",
                    wall,
                    bound,
                    f"{n_dfds} DFDs, {n_cards} cards",
                )
            )
        print()
        print(f"{'crawl':62} {'wall s':>8} {'bound s':>8} {'ratio':>6}  result")
        for name, wall, bound, note in rows:
            print(f"{name:62} {wall:8.1f} {bound:8.1f} {wall / bound:6.2f}x  {note}")
        ours = [r for r in rows if r[0].startswith("scrapy")]
        worst = max(r[1] / r[2] for r in ours)
        print(f"\ntarget <= 1.5x the lower bound: {'met' if worst <= 1.5 else 'NOT met'} (worst {worst:.2f}x)")
    finally:
        sb.terminate()
        sb.wait(timeout=10)
        if grid_env is not None:
            subprocess.run(
                [str(ROOT / "scripts" / "grid.sh"), "stop"], env=grid_env, capture_output=True, text=True, timeout=60
            )


if __name__ == "__main__":
    main()
