"""The PGC page objects against the sandbox's PGC replica, through a real Grid and Chromium."""

from __future__ import annotations

import threading

import pytest

from procurement_spiders.pages import pgc as pages
from tests.pgc_support import BLOCKED_CPF, DEMO_CPF, DEMO_SENHA, EXPIRED_CPF

W = pages.Waits(poll=0.05, timeout=20)
ROW_FIELDS = ("dfd", "requisitante", "descricao", "valor", "situacao")


def _strip(rows):
    return [{k: r[k] for k in ROW_FIELDS} for r in rows]


def _login(driver, url):
    driver.get(url + pages.LOGIN_PATH)
    pages.login_legacy(driver, DEMO_CPF, DEMO_SENHA, W)
    pages.open_pgc(driver, W)


def _rows(truth):
    return [{k: r[k] for k in ROW_FIELDS} for r in truth]


def test_legacy_login_list_pages_and_detail(pgc, driver):
    pgc.dataset(ano=2025, dfds=45)
    truth = pgc.truth_dfds(2025)
    _login(driver, pgc.url)
    assert driver.title == pages.WINDOW_TITLE
    assert len(driver.window_handles) == 1
    first = pages.open_dfd_list(driver, 2025, W)
    assert (first.page, first.pages, first.total, first.first, first.last) == (1, 3, 45, 1, 20)
    seen = _strip(first.rows)
    for n in (2, 3):
        page, rereads = pages.read_list_page(driver, n, W)
        assert page.page == n and rereads == 0
        seen.extend(_strip(page.rows))
    assert seen == _rows(truth)
    # the DFD's year differs from the PCA year for most DFDs, and numbers are not zero-padded
    assert any(not r["dfd"].endswith("/2025") for r in seen)
    detail = pages.open_dfd_detail(driver, truth[41]["dfd"], W)
    assert detail["data_conclusao"] == truth[41]["data_conclusao"]
    assert detail["editor"] == truth[41]["editor"]


def test_goto_far_page_and_flaky_last_page(pgc, driver):
    pgc.dataset(ano=2025, dfds=237)
    pgc.faults(flaky_last_page=True, slow_spinner_ms=150)
    truth = _rows(pgc.truth_dfds(2025))
    _login(driver, pgc.url)
    pages.open_dfd_list(driver, 2025, W)
    page, rereads = pages.read_list_page(driver, 12, W)  # 4 jumps in the 5-button paginator
    assert rereads >= 1
    assert _strip(page.rows) == truth[220:]
    page, _ = pages.read_list_page(driver, 7, W)
    assert _strip(page.rows) == truth[120:140]


def test_unstable_pages_repeat_and_skip_rows_on_first_visit(pgc, driver):
    pgc.dataset(ano=2025, dfds=100)
    pgc.faults(unstable_pages=True)
    truth = _rows(pgc.truth_dfds(2025))
    _login(driver, pgc.url)
    pages.open_dfd_list(driver, 2025, W)
    page2, _ = pages.read_list_page(driver, 2, W)
    assert _strip(page2.rows)[0] == truth[19]  # the previous page's last row, repeated
    again, _ = pages.read_list_page(driver, 1, W)
    page2, _ = pages.read_list_page(driver, 2, W)
    assert _strip(page2.rows) == truth[20:40]  # a second visit is right


@pytest.mark.parametrize(
    "cpf,senha,reason",
    [
        (DEMO_CPF, "errada", "wrong_credentials"),
        (EXPIRED_CPF, DEMO_SENHA, "password_expired"),
        (BLOCKED_CPF, DEMO_SENHA, "account_blocked"),
    ],
)
def test_login_failures_are_classified(pgc, driver, cpf, senha, reason):
    driver.get(pgc.url + pages.LOGIN_PATH)
    with pytest.raises(pages.PgcLoginError) as info:
        pages.login_legacy(driver, cpf, senha, W)
    assert info.value.reason == reason
    assert senha not in str(info.value) and cpf not in str(info.value)


def test_session_expiry_is_reported(pgc, driver):
    # the session expires at its 3rd app call: after the PCA list and page 1, on the way to page 2
    pgc.faults(session_max_api_calls=2)
    _login(driver, pgc.url)
    first = pages.open_dfd_list(driver, 2025, W)
    assert first.page == 1 and first.rows
    with pytest.raises(pages.PgcSessionExpired):
        pages.read_list_page(driver, 2, W)


def test_formacao_tabs_scroll_to_the_end(pgc, driver):
    pgc.dataset(ano=2025, contratacoes=90)
    pgc.faults(card_batch=7)
    truth = pgc.truth_contratacoes(2025)
    _login(driver, pgc.url)
    pages.open_formacao(driver, 2025, W)
    for aba in pages.ABAS:
        read = pages.read_tab(driver, aba, W)
        expected = [t for t in truth if t["aba"] == aba]
        assert read.complete and read.total == len(expected)
        assert [c["contratacao"] for c in read.cards] == [t["contratacao"] for t in expected]
        assert [c["valor"] for c in read.cards] == [t["valor"] for t in expected]
        if aba == "pendentes":
            assert [c["badge"] for c in read.cards] == [t["badge"] for t in expected]
        else:
            assert [c["situacao"] for c in read.cards] == [t["badge"] for t in expected]
        if len(expected) > 7:
            assert read.rounds >= 1


@pytest.mark.parametrize("with_label", [True, False])
def test_an_empty_tab_is_read_as_empty_with_or_without_its_total_label(pgc, driver, with_label):
    """Reference §3.3: an empty tab may show only a "no records" message, no total label, no cards."""
    pgc.dataset(ano=2025, contratacoes=4, seed=1)
    pgc.faults(empty_tab_total=with_label)
    truth = pgc.truth_contratacoes(2025)
    empty = [aba for aba in pages.ABAS if not any(t["aba"] == aba for t in truth)]
    assert empty, "the data set must leave a tab empty"
    _login(driver, pgc.url)
    pages.open_formacao(driver, 2025, W)
    for aba in pages.ABAS:
        read = pages.read_tab(driver, aba, W)
        expected = [t["contratacao"] for t in truth if t["aba"] == aba]
        assert read.complete and read.total == len(expected)
        assert [c["contratacao"] for c in read.cards] == expected
        if aba in empty:
            assert read.rounds == 0  # seen as empty at once, not after scrolling in vain


def test_attended_login_completed_by_the_person(pgc, driver):
    actions = pages.PgcActions(pgc.url, pgc.url, W, login_mode="attended", login_timeout=30)
    driver.get(actions.start_url)
    assert "/sso/login" in driver.current_url  # not logged in: the gov.br-style page
    # automation cannot pass the human check: the code is drawn on a canvas, not in the DOM
    assert "captcha" in driver.page_source
    timer = threading.Timer(1.0, pgc.complete_attended_login)
    timer.start()
    try:
        result = actions.login_and_list_pages(2025, [1])(driver)
    finally:
        timer.cancel()
    assert result["ok"], result
    [first] = result["pages"]
    assert first["page"]["page"] == 1 and len(first["page"]["rows"]) == 20
    assert result["unidade"]["uasg"] == "110511"  # the unit the app's header shows


def test_attended_login_times_out(pgc, driver):
    actions = pages.PgcActions(pgc.url, pgc.url, W, login_mode="attended", login_timeout=1.5)
    driver.get(actions.start_url)
    result = actions.login_and_list_pages(2025, [1])(driver)
    assert result == {
        "ok": False,
        "erro": "login",
        "motivo": "login_timeout",
        "mensagem": "nobody finished the login within 1.5s",
    }


def test_credentials_never_in_reprs():
    creds = pages.Credentials(DEMO_CPF, DEMO_SENHA)
    actions = pages.PgcActions("http://x", "http://x", W, credentials=creds)
    for text in (repr(creds), str(creds), repr(actions), repr(actions.login_and_list_pages(2025, [1]))):
        assert DEMO_CPF not in text and DEMO_SENHA not in text
