"""The web app's pages, one module per area: login, coletas, iniciar coleta, reports (Geral,
Mudanças), health and metrics."""
