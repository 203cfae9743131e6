"""Deploy files of the national crawl (issue 12): compose `redis` + a scalable `worker`, k8s Redis +
a worker Job, read offline; their settings load through the configuration module."""

from __future__ import annotations

from pathlib import Path

from procurement_spiders.config import load_config
from tests.integration.test_ops_deploy_files import compose, interpolate, k8s_documents


def test_compose_worker_is_scalable_and_its_environment_loads():
    services = compose()["services"]
    worker, redis = services["worker"], services["redis"]
    assert worker["profiles"] == redis["profiles"] == ["nacional"]
    assert "container_name" not in worker and "ports" not in worker  # `--scale worker=N` needs neither
    assert worker["command"][:3] == ["scrapy", "crawl", "pncp_nacional"]
    assert worker["depends_on"]["redis"] == {"condition": "service_healthy"}
    assert worker["restart"] == "on-failure"  # exit 0 = run complete: never restarted into a new run
    dotenv = {"POSTGRES_PASSWORD": "pw", "SCRAPYD_USERNAME": "ops", "SCRAPYD_PASSWORD": "s3cret"}
    env = {k: interpolate(str(v), dotenv) for k, v in worker["environment"].items()}
    config = load_config(environ=env, env_file=Path("/nonexistent/.env"))
    assert config.redis_url == "redis://redis:6379/0" and config.database_url.endswith("@db:5432/procurement_data")
    assert any(v.startswith("redis_data:") for v in redis["volumes"]) and "redis_data" in compose()["volumes"]


def test_k8s_national_workers_are_a_job_next_to_redis():
    by_name = {(doc["kind"], doc["metadata"]["name"]): doc for _, doc in k8s_documents()}
    assert ("StatefulSet", "redis") in by_name and ("Service", "redis") in by_name
    job = by_name[("Job", "pncp-nacional")]["spec"]
    container = job["template"]["spec"]["containers"][0]
    assert container["command"][:3] == ["scrapy", "crawl", "pncp_nacional"]
    env = {e["name"]: e for e in container["env"]}
    assert env["REDIS_URL"]["value"] == "redis://redis:6379/0"
    assert "valueFrom" in env["POSTGRES_PASSWORD"]  # the password only from the Secret
    assert job["template"]["spec"]["restartPolicy"] == "OnFailure" and job["parallelism"] >= 2
