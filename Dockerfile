# The `web` image: scrapyd with procurement_spiders installed (also used by `scheduler` and `sandbox`).
# In this image the installed package *is* the deployment: rebuild to update it (scrapyd-deploy is
# for a bare-metal scrapyd; see docs/operations.md).
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

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY setup.py scrapy.cfg schedules.toml ./
COPY migrations ./migrations
COPY procurement_spiders ./procurement_spiders
COPY sandbox ./sandbox
# Check from outside /app that the *installed* package carries its migrations.
RUN pip install --no-deps . \
    && cd / && python -c "from procurement_spiders.storage.migrations import load_migrations; assert load_migrations()"

COPY deploy/scrapyd/procurement_scrapyd.py /opt/scrapyd-addons/
COPY scrapyd.conf /etc/scrapyd/scrapyd.conf
COPY deploy/scrapyd/scrapy.cfg /srv/scrapyd/scrapy.cfg
RUN chown scrapyd /srv/scrapyd

USER scrapyd
# scrapyd's working folder holds only scrapy.cfg (not /app: a source tree there would shadow
# deployed eggs); eggs/, logs/ and dbs/ go to /var/lib/scrapyd, a volume in docker-compose.yml.
WORKDIR /srv/scrapyd
EXPOSE 6800
HEALTHCHECK --interval=30s --timeout=25s --start-period=40s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:6800/health.json', timeout=20).status == 200 else 1)"
# No pid file: the container is the unit of supervision.
CMD ["python", "-m", "scrapyd", "--pidfile="]
