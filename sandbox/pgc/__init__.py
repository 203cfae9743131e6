"""Replica of the logged-in Compras.gov.br planning app (PGC), under the real paths.

Served paths (all on the sandbox host, which stands for both www.comprasnet.gov.br and
cnetmobile.estaleiro.serpro.gov.br):

- `/seguro/loginPortal.asp`                      legacy Comprasnet login ("Governo" panel)
- `/sso/login`                                   gov.br-style login with a human check (attended mode)
- `/comprasnet-area-trabalho-web/seguro/governo/area-trabalho`   área de trabalho, PGC tile
- `/comprasnet-artefatos-web/artefatos/lista/DFD`                the PGC app (plain JS, PrimeNG-like DOM)
- `/comprasnet-artefatos/api/v1/sandbox/...`                     the app's JSON backend
- `/__sandbox__/pgc/faults` (GET/POST/DELETE), `/__sandbox__/pgc/dataset` (GET/POST),
  `/__sandbox__/pgc/stats` (GET/DELETE), `/__sandbox__/pgc/attended/complete` (POST: a person
  finishing the gov.br login in the browser that waits on it),
  `/__sandbox__/truth/pgc-dfds?ano=` and `/__sandbox__/truth/pgc-contratacoes?ano=`.

Demo credentials (sandbox only, not a real person): CPF 999.999.999-99, senha `sandbox-demo`.
CPF 999.999.998-88 always gets "senha EXPIRADA"; CPF 999.999.997-77 is blocked.
"""

from sandbox.pgc.server import setup  # noqa: F401
