"""Spiders, one coleta each: request → page → Demanda items (pncp: JSON APIs; pgc and
pgc_formacao: the PGC app in a browser)."""
