"""Local replicas of the portals (PNCP, Dados Abertos, PGC) for offline demos and tests.

A separate program: it imports nothing of `procurement_spiders` (it plays the portals, so it must
not share the crawler's code), runs with aiohttp alone (`python -m sandbox`, its own image
`sandbox/Dockerfile`), and never ships in the production image. Tests talk to it over HTTP;
their helpers live in tests/support.py.
"""
