# The production image: procurement_spiders with scrapyd (the default command: the `scrapyd`
# service) and the web app (`python -m procurement_spiders.web`: the `web` service, port 8000),
# also run by `scheduler` and the national `worker`.
# It holds the package and what it needs at run time, nothing else: no tests, no pytest, no portal
# sandbox (the demo's sandbox is its own image, sandbox/Dockerfile). In this image the installed
# package *is* the deployment: rebuild to update it (scrapyd-deploy is for a bare-metal scrapyd;
# see docs/operations.md).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONPATH=/opt/scrapyd-addons \
    SCRAPY_SETTINGS_MODULE=procurement_spiders.settings

RUN apt-get update \
    && apt-get install -y --no-install-recommends tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/scrapyd --create-home --uid 10001 scrapyd

# The build context is the repository minus what .dockerignore leaves out (tests/, sandbox/,
# bench/, docs/…). The package installs with its run-time dependencies pinned by the lock and the
# `scrapyd` and `web` extras (the servers this image runs); never `[test]`. The checks run from outside the
# sources: the *installed* package carries its migrations, and neither pytest nor the sandbox is there.
WORKDIR /src
COPY . .
# (pip refuses extras in a constraints file: `psycopg[binary]==…` becomes `psycopg==…` there.)
RUN sed -E 's/\[[^]]*\]//' requirements.txt > /tmp/constraints.txt \
    && pip install --constraint /tmp/constraints.txt ".[scrapyd,web]" \
    && cd / && rm -rf /src /tmp/constraints.txt \
    && python -c "from procurement_spiders.storage.migrations import load_migrations; assert load_migrations()" \
    && python -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) for m in ('pytest', 'sandbox')))"

COPY deploy/scrapyd/procurement_scrapyd.py /opt/scrapyd-addons/
COPY scrapyd.conf /etc/scrapyd/scrapyd.conf
COPY deploy/scrapyd/scrapy.cfg /srv/scrapyd/scrapy.cfg
RUN chown scrapyd /srv/scrapyd

USER scrapyd
# scrapyd's working folder holds only scrapy.cfg (a source tree there would shadow deployed
# eggs); eggs/, logs/ and dbs/ go to /var/lib/scrapyd, a volume in docker-compose.yml.
WORKDIR /srv/scrapyd
EXPOSE 6800 8000
# The image's own check is scrapyd's; docker-compose.yml gives `web` its own (GET :8000/health).
HEALTHCHECK --interval=30s --timeout=25s --start-period=40s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:6800/health.json', timeout=20).status == 200 else 1)"
# No pid file: the container is the unit of supervision.
CMD ["python", "-m", "scrapyd", "--pidfile="]
