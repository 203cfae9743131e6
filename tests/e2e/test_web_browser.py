"""The web app in real Chromium (through the project's Selenium Grid), against a real uvicorn, a
real scrapyd running the deployed egg, the sandbox's story and PostgreSQL: log in, start a coleta
of every source, watch it reach success, filter a Geral finding, download the workbook and open
it; in attended mode, see the wait and the noVNC link, log in as the person would, see it go on.
Screenshots of each page at 1366×768 go to WEB_SCREENSHOTS (default .data/screenshots/)."""

from __future__ import annotations

import base64
import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import openpyxl
import psycopg
import pytest
from selenium.webdriver.common.by import By

from procurement_spiders.reports.geral import FINDINGS
from tests.e2e.test_reports_story import story  # noqa: F401  (fixture)
from tests.support import MAIN_CNPJ, ROOT, free_port, project_env, wait_for, wait_http
from tests.web_support import NOVNC, PASSWORDS, USERS, crawl_env, deployed_scrapyd

SHOTS = Path(os.environ.get("WEB_SCREENSHOTS", ROOT / ".data" / "screenshots"))


@pytest.fixture
def stack(tmp_path, story, grid_url, database_url, request):  # noqa: F811
    """scrapyd with the egg deployed, and the web app (uvicorn) pointing at it."""
    extra = getattr(request, "param", {})
    password = secrets.token_urlsafe(16)
    sd = deployed_scrapyd(tmp_path, password, crawl_env(story, grid_url, database_url, **extra))
    web = None
    try:
        port = free_port()
        env = project_env(
            DATABASE_URL=database_url,
            SCRAPYD_URL=sd.url,
            SCRAPYD_USERNAME="ops",
            SCRAPYD_PASSWORD=password,
            WEB_USERS=USERS,
            ORGAO_CNPJ=MAIN_CNPJ,
            API_HOST="127.0.0.1",
            API_PORT=str(port),
            PGC_NOVNC_URL=NOVNC,
            PGC_LOGIN_TIMEOUT="180",
        )
        log = open(tmp_path / "web.log", "wb")  # noqa: SIM115
        web = subprocess.Popen(
            [sys.executable, "-m", "procurement_spiders.web"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/health")
        yield url, sd
    finally:
        if web is not None:
            web.terminate()
            web.wait(15)
        sd.stop()


def shot(drv, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    drv.save_screenshot(str(SHOTS / f"{name}.png"))


def set_viewport(drv, width: int = 1366, height: int = 768) -> None:
    """The page area itself at 1366×768 (a window that size shows less: the browser's own bars)."""
    drv.set_window_size(width, height)
    inner = drv.execute_script("return [window.innerWidth, window.innerHeight]")
    drv.set_window_size(2 * width - inner[0], 2 * height - inner[1])
    assert drv.execute_script("return [window.innerWidth, window.innerHeight]") == [width, height]


def log_in(drv, url: str, user: str = "ana") -> None:
    set_viewport(drv)
    drv.get(url + "/")
    assert "/login" in drv.current_url  # every page sends an anonymous visitor to the login
    shot(drv, "01-login")
    drv.find_element(By.ID, "usuario").send_keys(user)
    drv.find_element(By.ID, "senha").send_keys(PASSWORDS[user])
    drv.find_element(By.ID, "entrar").click()
    wait_for(lambda: drv.find_elements(By.ID, "execucao"), 20, what="the start page")


def start(drv, fontes: tuple[str, ...]) -> None:
    drv.find_element(By.CSS_SELECTOR, "#ano option[value='2025']").click()
    for box in drv.find_elements(By.CSS_SELECTOR, "input[name=fontes]"):
        if box.is_selected() != (box.get_attribute("value") in fontes):
            box.click()
    drv.find_element(By.ID, "iniciar").click()


def passo_text(drv, fonte: str) -> str:
    found = drv.find_elements(By.CSS_SELECTOR, f".passo[data-fonte='{fonte}']")
    return found[0].text if found else ""


def test_start_watch_geral_and_workbook_in_the_browser(stack, driver, database_url):  # noqa: F811
    url, sd = stack
    log_in(driver, url)
    shot(driver, "02-iniciar")
    start(driver, ("PGC", "FORMACAO", "PNCP"))
    wait_for(lambda: "em execução" in passo_text(driver, "PGC"), 120, what="PGC running on the page")
    shot(driver, "03-coleta-em-andamento")
    # A second start while one runs is refused in words.
    start(driver, ("PNCP",))
    assert "Já há uma coleta em andamento" in driver.find_element(By.ID, "erro").text
    for fonte in ("PGC", "FORMACAO", "PNCP"):
        wait_for(lambda f=fonte: "sucesso" in passo_text(driver, f), 600, interval=1, what=f"{fonte} success")
    shot(driver, "04-coleta-concluida")
    wait_for(lambda: "coleta 1 finished: success" in passo_text(driver, "PGC"), 30, what="PGC's last log lines")
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT fonte, status, job_id FROM coletas ORDER BY id").fetchall()
    # the Formação do PCA by its own spider (pgc_formacao, fonte FORMACAO) when the deployed egg has it
    assert [(f, s) for f, s, _ in rows] == [("PGC", "success"), ("FORMACAO", "success"), ("PNCP", "success")]
    assert all(job for _, _, job in rows)  # each coleta is its scrapyd job's

    driver.get(url + "/coletas")
    assert len(driver.find_elements(By.CSS_SELECTOR, "#coletas tbody tr")) == 3
    shot(driver, "05-coletas")
    driver.get(url + "/geral?ano=2025")
    shot(driver, "06-geral")
    badge = next(
        b
        for b in driver.find_elements(By.CSS_SELECTOR, "#achados a[data-achado]")
        if "vazio" not in b.get_attribute("class")
    )
    count = int(badge.find_element(By.TAG_NAME, "b").text.replace(".", ""))
    code = badge.get_attribute("data-achado")
    label = FINDINGS[code].split(":")[0]
    badge.click()
    wait_for(lambda: f"achado={code}" in driver.current_url, 20, what="the filter")
    rows = driver.find_elements(By.CSS_SELECTOR, "#geral tbody tr")
    assert len(rows) == min(count, 100) and driver.find_element(By.ID, "contagem").text.startswith(str(count))
    assert all(label in r.text for r in rows)
    shot(driver, "07-geral-filtrado")
    coleta_id = conn_first_coleta(database_url)
    driver.get(f"{url}/coletas/{coleta_id}")
    shot(driver, "08-coleta")
    driver.get(url + "/mudancas?ano=2025&fonte=pgc")
    shot(driver, "09-mudancas")

    # The workbook, fetched by the logged-in browser itself.
    driver.get(url + "/geral?ano=2025")
    data = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(document.getElementById('baixar-planilha').href, {credentials: 'same-origin'})
          .then(r => r.arrayBuffer()).then(b => {
            let s = ''; const a = new Uint8Array(b);
            for (let i = 0; i < a.length; i++) s += String.fromCharCode(a[i]);
            done(btoa(s)); });""")
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(data)), read_only=True)
    assert {"PGC", "Formação do PCA", "PNCP", "Geral", "Mudanças", "Coletas"} <= set(book.sheetnames)
    with psycopg.connect(database_url) as conn:
        pgc_rows = conn.execute(
            "SELECT count(*) FROM demandas d JOIN coletas c ON c.id = d.coleta_id WHERE c.fonte = 'PGC'"
        ).fetchone()[0]
    assert book["PGC"].max_row - 1 == pgc_rows > 0


def conn_first_coleta(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT min(id) FROM coletas").fetchone()[0]


ATTENDED = {"PGC_LOGIN_MODE": "attended", "PGC_LOGIN_TIMEOUT": "180", "PGC_CPF": "", "PGC_SENHA": ""}


@pytest.mark.parametrize("stack", [ATTENDED], indirect=True)
def test_attended_login_shown_and_continued(stack, driver, pgc, database_url):  # noqa: F811
    url, sd = stack
    log_in(driver, url)
    start(driver, ("PGC",))
    wait_for(lambda: driver.find_elements(By.ID, "novnc"), 180, interval=1, what="the attended-login notice")
    notice = driver.find_element(By.CSS_SELECTOR, ".alerta.login").text
    assert "aguarda o login" in notice and "Tempo restante" in notice
    assert driver.find_element(By.ID, "novnc").get_attribute("href") == NOVNC
    shot(driver, "10-aguardando-login")
    pgc.complete_attended_login()  # the person logs in, in the crawl's browser
    wait_for(lambda: "sucesso" in passo_text(driver, "PGC"), 300, interval=1, what="PGC success after the login")
    assert not driver.find_elements(By.ID, "novnc")
    with psycopg.connect(database_url) as conn:
        status, dados = conn.execute("SELECT status, dados FROM coletas").fetchone()
    assert status == "success" and dados["aguardando_login"] is None


def test_cancel_stops_the_running_job_and_the_queue(stack, driver, database_url, story):  # noqa: F811
    url, sd = stack
    story.faults(latency_ms=1500)  # every portal answer takes 1.5 s: the PNCP crawl is still running when cancelled
    try:
        log_in(driver, url)
        start(driver, ("PNCP",))
        wait_for(lambda: "em andamento" in passo_text(driver, "PNCP"), 180, interval=1, what="the PNCP coleta")
        driver.execute_script("window.confirm = () => true;")  # the confirmation dialog, answered yes
        driver.find_element(By.ID, "cancelar").click()
        wait_for(
            lambda: "cancelado" in passo_text(driver, "PNCP") and "erro" in passo_text(driver, "PNCP"),
            180,
            interval=1,
            what="the cancelled job and its coleta on the page",
        )
        shot(driver, "11-cancelada")
    finally:
        story.reset()
    with psycopg.connect(database_url) as conn:
        status, dados = conn.execute("SELECT status, dados FROM coletas").fetchone()
    assert status == "error" and dados["finish_reason"] == "shutdown"  # Scrapy closed it gracefully
    assert not driver.find_element(By.ID, "form-cancelar").is_displayed()
