"""Page objects of PGC (Compras.gov.br planning app), by job:

- `selectors`: every selector of the app (the only place its DOM is named);
- `dom`: reads and waits in the page (the project's wait engine with the library `js/pgc.js`);
- `login`, `dfd_list`, `formacao`, `unidade`: the flows of each screen, with their pure decisions;
- `actions`: the callables the spiders send to the browser layer.

Every function takes a WebDriver and runs blocking WebDriver calls: call them from the browser
layer's worker threads. Errors (procurement_spiders.exceptions): `PgcLoginError` ends the run,
`PgcSessionExpired` means log in again and resume, `PgcPageError`/`PgcTimeout` a page that is
not what the collector expects.
"""

from procurement_spiders.exceptions import PgcError, PgcLoginError, PgcPageError, PgcSessionExpired, PgcTimeout
from procurement_spiders.pages.pgc.actions import Credentials, PgcActions
from procurement_spiders.pages.pgc.dfd_list import ListPage, open_dfd_detail, open_dfd_list, read_list_page
from procurement_spiders.pages.pgc.dom import Waits
from procurement_spiders.pages.pgc.formacao import TabRead, open_formacao, read_tab
from procurement_spiders.pages.pgc.login import classify_login_message, login_legacy, open_pgc
from procurement_spiders.pages.pgc.selectors import ABAS, LOGIN_PATH, STATUS_DA_ABA, WINDOW_TITLE

__all__ = [
    "ABAS",
    "Credentials",
    "LOGIN_PATH",
    "ListPage",
    "PgcActions",
    "PgcError",
    "PgcLoginError",
    "PgcPageError",
    "PgcSessionExpired",
    "PgcTimeout",
    "STATUS_DA_ABA",
    "TabRead",
    "WINDOW_TITLE",
    "Waits",
    "classify_login_message",
    "login_legacy",
    "open_dfd_detail",
    "open_dfd_list",
    "open_formacao",
    "open_pgc",
    "read_list_page",
    "read_tab",
]
