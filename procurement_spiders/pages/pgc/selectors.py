"""Every selector of PGC (paths, XPaths, ids, window title, login message texts): the only place
where the app's DOM is named.

They follow the XPaths a legacy macro used for years on the real logged-in app (reference
`pgc-dom/`), preferring ids, placeholders, aria-labels and texts over Angular classes that change.
"""

from __future__ import annotations

# Paths (under COMPRASNET_BASE_URL and PGC_BASE_URL respectively)
LOGIN_PATH = "/seguro/loginPortal.asp"
AREA_TRABALHO_PATH = "/comprasnet-area-trabalho-web/seguro/governo/area-trabalho"
LOGIN_MARKS = (LOGIN_PATH, "/sso/")  # URL parts that mean the app sent us back to a login

# Legacy login ("Governo" panel)
BTN_EXPAND_GOVERNO = "//button[contains(@class,'expand') and contains(@class,'governo')]"
INPUT_LOGIN_ID = "txtLogin"
INPUT_SENHA_ID = "txtSenha"
INPUT_LOGIN = f"//*[@id='{INPUT_LOGIN_ID}']"
BTN_LOGIN_SUBMIT = (
    "//button[@onclick='frmLoginGoverno_submit(); return false;']"
    " | //form[@id='frmLoginGoverno']//button[contains(.,'Entrar')]"
)
LOGIN_MESSAGE = "//*[@id='mensagem-erro'] | //div[contains(@class,'br-message') and contains(@class,'danger')]"
# Messages of the login pages, classified (texts as the portal words them; reference §2.1).
# Matched case-insensitively on whitespace-normalised text ("a senha será bloqueada" is a warning
# that comes with a wrong password, not a blocked account).
LOGIN_REASONS = (
    ("senha expirada", "password_expired"),
    ("senha revogada", "password_revoked"),
    ("senha bloqueada", "account_blocked"),
    ("usuário bloqueado", "account_blocked"),
    ("conta bloqueada", "account_blocked"),
    ("erl0000900", "captcha_failed"),
)

# Área de trabalho
SPAN_PGC_TITLE = "//span[text()='Planejamento e Gerenciamento de Contratações']"
DIV_PGC_ACCESS = "//div/p[2][text()='PGC']"
WINDOW_TITLE = "Compras.gov.br - Fase Interna"

# The app. Anchored paths: these are evaluated on every DOM mutation during waits, and a `//`
# search over a list of a thousand cards costs milliseconds each time. (The macro's XPath for the
# spinner was `//body/app-root/ng-http-loader/div[@id='spinner']`, `//div[@id='spinner']` as fallback.)
SPINNER = "/html/body/app-root/ng-http-loader/div[@id='spinner']"
SESSION_EXPIRED = "/html/body/div[@id='sessao-expirada']"
# The unit the session is bound to (reference §2.1: one UASG per session, `numero_uasg` in its
# token), shown in the app's header as "UASG 110511 — <nome>" (an inference: no public capture of
# the header exists; the UASG also starts every contratação id, `UASG-número/ano`, §6).
HEADER_UASG = "/html/body/app-root/header[contains(@class,'br-header')]/span[starts-with(normalize-space(.),'UASG ')]"
DROPDOWN_PCA = "//p-dropdown[@placeholder='Selecione PCA']"
DROPDOWN_PCA_LABEL = DROPDOWN_PCA + "//span[contains(@class,'p-dropdown-label')]"
# what a script click must hit (a click on the p-dropdown host does not reach PrimeNG's handler)
DROPDOWN_PCA_TOGGLE = DROPDOWN_PCA + "//div[contains(@class,'p-dropdown-trigger')]"
LI_PCA_TEMPLATE = "//li[starts-with(@aria-label,'PCA {ano} -')]"
LI_PCA_ANY = "//li[starts-with(@aria-label,'PCA ')]"

# DFD list ("DFDs da minha UASG")
RADIO_MINHA_UASG_ID = "minha-uasg"
RESULTS_UASG = "//div[@id='minhauasg']/app-artefato-list-resultado"
TABLE_ROWS = RESULTS_UASG + "//p-table//div[contains(@class,'p-datatable-wrapper')]/table/tbody/tr"
TABLE_HEADERS = RESULTS_UASG + "//p-table//div[contains(@class,'p-datatable-wrapper')]/table/thead/tr/th"
PAGINATOR = RESULTS_UASG + "//p-table//p-paginator"
PAGINATOR_CURRENT_PAGE = PAGINATOR + "//button[contains(@class,'p-paginator-page') and contains(@class,'p-highlight')]"
PAGINATOR_PAGES = PAGINATOR + "//span[contains(@class,'p-paginator-pages')]/button"
PAGINATOR_NEXT = PAGINATOR + "//button[contains(@class,'p-paginator-next')]"  # the legacy walk (bench)
PAGINATOR_REPORT = PAGINATOR + "//span[contains(@class,'p-paginator-current')]"
# Columns (1-based, as the macro read them: data(r, 4)=DFD, 6=Requisitante, 7=Descrição, 8=Valor, 9=Situação)
COL_DFD, COL_REQUISITANTE, COL_DESCRICAO, COL_VALOR, COL_SITUACAO = 4, 6, 7, 8, 9
COL_UASG = 3  # not read by the macro; used only when its header says "UASG"
REQUIRED_HEADERS = ("DFD", "Requisitante", "Valor")
ROW_DETAIL_BUTTON = ".//button[@title='Visualizar DFD' or @aria-label='Visualizar DFD']"


def paginator_page(page: int) -> str:
    return f"{PAGINATOR_PAGES}[normalize-space(text())='{int(page)}']"


def table_row(dfd: str) -> str:
    """The row whose DFD column is `dfd` (a normalised `N/AAAA`: no quote can reach the XPath)."""
    return f"{TABLE_ROWS}[td[{COL_DFD}][normalize-space(text())='{dfd}']]"


# DFD detail modal
DETAIL_TITLE = "//p[normalize-space(text())='Detalhar Documento de Formalização da Demanda']"
DETAIL_CONCLUSAO = "//div[contains(@class,'conteudo-modal-rolante')]/etp-fieldset/div/div[2]/div[1]/div[2]/p"
DETAIL_EDITOR = "//div[contains(@class,'conteudo-modal-rolante')]/etp-fieldset/div/div[2]/div[1]/div[4]/p"
DETAIL_CLOSE = "//span/button[normalize-space(text())='Fechar']"

# Formação do PCA
BTN_FORMACAO_PCA = "//button[span[normalize-space(text())='Formação do PCA']]"
ABAS = ("reprovadas", "aprovadas", "pendentes")
STATUS_DA_ABA = {"reprovadas": "REPROVADA", "aprovadas": "APROVADA", "pendentes": "PENDENTE"}
TAB_TEMPLATE = "//a[@id='contratacoes-{aba}']"
TAB_PANEL_TEMPLATE = "//div[@aria-labelledby='contratacoes-{aba}']"
# relative to the tab panel (exact paths, as the macro's `tbody_template`)
TAB_TOTAL_LABEL = "./div[@class='search-results']/div/p-table/div/div/table/thead/div/div/div/div/div[2]/label"
TAB_SCROLL_ANCHOR = "./div[@class='search-results']/div/p-table/div/div/table/tbody"
TAB_CARDS = TAB_SCROLL_ANCHOR + "[contains(@class,'p-datatable-tbody')]/div"
# An empty tab shows a message span instead of cards (reference §3.3), with or without its total label.
TAB_EMPTY_MESSAGE = TAB_SCROLL_ANCHOR + "/div[not(p-card)]/span"
CARD_BASE = "./p-card/div/div[@class='p-card-body']/div[@class='p-card-content']/div[1]/div"
CARD_FIELDS = {
    "contratacao": "/div[1]/div/div[2]/a",
    "descricao": "/div[2]/p",
    "categoria": "/div[3]/p",
    "requisitante": "/div[4]/p",
    "valor": "/div[5]/p",
    "inicio": "/div[6]/p",
    "fim": "/div[7]/p",
    "situacao": "/div[8]/p",
    "badge": "/div[1]/div/div[2]/div/span",
}


def tab(aba: str) -> str:
    return TAB_TEMPLATE.format(aba=aba)


def tab_panel(aba: str) -> str:
    return TAB_PANEL_TEMPLATE.format(aba=aba)


def in_tab(aba: str, relative: str) -> str:
    """An absolute XPath for a path relative to tab `aba`'s panel (e.g. TAB_TOTAL_LABEL)."""
    return tab_panel(aba) + relative[1:]


def pca_option(ano: int) -> str:
    return LI_PCA_TEMPLATE.format(ano=int(ano))


def legacy_replay() -> dict[str, object]:
    """The absolute XPaths a replay of the legacy macro uses (bench/pgc.py): one element each, found
    by WebDriver, no in-page scripts. Tab-relative paths are composed here, not by the caller."""
    return {
        "login_path": LOGIN_PATH,
        "expand_governo": BTN_EXPAND_GOVERNO,
        "input_login_id": INPUT_LOGIN_ID,
        "input_senha_id": INPUT_SENHA_ID,
        "login_submit": BTN_LOGIN_SUBMIT,
        "pgc_access": DIV_PGC_ACCESS,
        "minha_uasg_id": RADIO_MINHA_UASG_ID,
        "dropdown_pca": DROPDOWN_PCA,
        "pca_option": pca_option,
        "table_rows": TABLE_ROWS,
        "paginator_next": PAGINATOR_NEXT,
        "columns": (COL_DFD, COL_REQUISITANTE, COL_DESCRICAO, COL_VALOR, COL_SITUACAO),
        "formacao": BTN_FORMACAO_PCA,
        "abas": ABAS,
        "tab": tab,
        "tab_total": lambda aba: in_tab(aba, TAB_TOTAL_LABEL),
        "tab_cards": lambda aba: in_tab(aba, TAB_CARDS),
        "tab_scroll_anchor": lambda aba: in_tab(aba, TAB_SCROLL_ANCHOR),
        "card_contratacao": CARD_BASE + CARD_FIELDS["contratacao"],
    }
