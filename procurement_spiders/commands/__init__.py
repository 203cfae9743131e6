"""The project's scrapy commands (COMMANDS_MODULE): crawl (override), migrate, resumo, health, coletas,
and the reports (geral, mudancas, planilha)."""
