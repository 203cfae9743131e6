"""Deploy files of the national crawl (issue 12): compose `redis` + a scalable `worker`, k8s Redis +
a worker Deployment (standing workers, `-a esperar=1`) and the Job that opens a run, read offline;
their settings load through the configuration module."""

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


def test_k8s_national_workers_are_a_deployment_of_waiting_workers_next_to_redis():
    """A Deployment restarts a worker whose run is complete: its workers carry `-a esperar=1`, so a
    restarted one waits for the next run instead of opening one (tests/e2e/test_national_crawl.py
    shows that behaviour); one Job opens the run. Both are the same worker otherwise."""
    by_name = {(doc["kind"], doc["metadata"]["name"]): doc for _, doc in k8s_documents()}
    assert ("StatefulSet", "redis") in by_name and ("Service", "redis") in by_name
    assert ("Job", "pncp-nacional") not in by_name
    deployment = by_name[("Deployment", "pncp-nacional")]["spec"]
    worker = deployment["template"]["spec"]["containers"][0]
    assert worker["command"][:3] == ["scrapy", "crawl", "pncp_nacional"]
    assert worker["command"][-2:] == ["-a", "esperar=1"] and deployment["replicas"] >= 2
    assert deployment["template"]["spec"].get("restartPolicy", "Always") == "Always"
    opener_job = by_name[("Job", "pncp-nacional-abre")]["spec"]
    opener = opener_job["template"]["spec"]["containers"][0]
    assert "esperar=1" not in opener["command"] and opener_job["completions"] == 1
    assert opener["command"] + ["-a", "esperar=1"] == worker["command"]  # same year, same run
    for container in (worker, opener):
        env = {e["name"]: e for e in container["env"]}
        assert env["REDIS_URL"]["value"] == "redis://redis:6379/0"
        assert "valueFrom" in env["POSTGRES_PASSWORD"]  # the password only from the Secret
        assert container["envFrom"] == [{"configMapRef": {"name": "procurement-config"}}]
    # The two never share a selector: the Deployment does not adopt the Job's pod.
    job_labels = opener_job["template"]["metadata"]["labels"].items()
    assert not deployment["selector"]["matchLabels"].items() <= job_labels
