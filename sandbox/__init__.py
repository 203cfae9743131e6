"""Local replicas of the portals (PNCP, Dados Abertos, PGC) for offline demos and tests."""
