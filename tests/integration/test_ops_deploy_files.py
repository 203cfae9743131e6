"""Deploy files, checked offline: docker-compose.yml against the Compose Specification schema
(vendored by check-jsonschema), its environment names against the configuration module, the k8s
manifests against the Kubernetes schemas (vendored by kubernetes-validate), nginx's rate limit."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import threading
from dataclasses import fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import requests
import yaml

from procurement_spiders.config import Config, ConfigError, load_config
from procurement_spiders.scheduler.schedule import parse_schedule
from tests.support import ROOT, free_port, wait_for

COMPOSE = ROOT / "docker-compose.yml"
K8S_VERSION = "1.33.0"
CONFIG_ENV = {f.name.upper() for f in fields(Config)}
# Read by something other than Config: the .env switch, scrapyd's own overrides, the images' variables.
OTHER_PROJECT_ENV = {"PROCUREMENT_ENV_FILE"}
SCRAPYD_ENV = {"SCRAPYD_BIND_ADDRESS", "SCRAPYD_HTTP_PORT"}
_VAR = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?]([^}]*))?\}")


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR:?error} with `env` as the .env file."""

    def sub(match: re.Match) -> str:
        name, rest = match.group(1), match.group(2)
        if env.get(name):
            return env[name]
        if "?" in match.group(0).split(name, 1)[1][:2]:
            raise KeyError(f"{name} is required: {rest}")
        return rest or ""

    return _VAR.sub(sub, value.replace("$$", "\0")).replace("\0", "$")


def test_compose_file_matches_the_compose_specification():
    schema = json.loads((resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(compose()), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_compose_services_as_the_issue_lists_them():
    services = compose()["services"]
    assert {"web", "scheduler", "db", "selenium", "sandbox"} <= set(services)
    db = services["db"]
    assert db["image"] == "postgres:15" and db["environment"]["POSTGRES_DB"] == "procurement_data"
    assert any(v.startswith("postgres_data:") for v in db["volumes"]) and "postgres_data" in compose()["volumes"]
    selenium = services["selenium"]
    assert selenium["image"].startswith("selenium/standalone-chrome")
    assert selenium["shm_size"] == "2gb" and selenium["environment"]["SE_VNC_NO_VIEWONLY"] == "1"
    assert {p.rsplit(":", 1)[-1] for p in selenium["ports"]} == {"4444", "7900"}
    assert services["sandbox"]["profiles"] == ["demo"]
    for name in ("web", "scheduler", "db", "selenium", "sandbox"):
        assert "healthcheck" in services[name], name
    assert services["web"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "selenium": {"condition": "service_healthy"},
    }
    assert services["scheduler"]["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert services["web"]["build"]["dockerfile"] == "Dockerfile" and (ROOT / "Dockerfile").is_file()


def test_production_image_has_no_sandbox_and_no_test_tools():
    """Issue 9 item 7: the sandbox has its own image (compose profile demo); the production build
    context leaves out sandbox/ and tests/, and the package installs without its [test] extra."""
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {"sandbox", "tests", "bench"} <= ignored
    dockerfile = (ROOT / "Dockerfile").read_text()
    installs = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert installs and not any(
        "[test" in line or "requirements.txt" in line.split("pip install")[1] or "-r " in line for line in installs
    ), installs
    assert "find_spec(m) for m in ('pytest', 'sandbox')" in dockerfile  # the build fails if either is there
    sandbox = compose()["services"]["sandbox"]
    assert sandbox["profiles"] == ["demo"] and sandbox["build"]["dockerfile"] == "sandbox/Dockerfile"
    assert sandbox["image"] != compose()["services"]["web"]["image"]
    own = (ROOT / "sandbox" / "Dockerfile").read_text()
    assert "COPY sandbox ./sandbox" in own and "procurement_spiders" not in own.split("COPY")[-1]
    kept = [
        line for line in (ROOT / "sandbox" / "Dockerfile.dockerignore").read_text().splitlines() if line.startswith("!")
    ]
    assert kept == ["!requirements.txt", "!sandbox"]


def test_compose_environment_names_are_the_settings_names():
    services = compose()["services"]
    for name in ("web", "scheduler"):
        env = services[name]["environment"]
        unknown = set(env) - CONFIG_ENV - OTHER_PROJECT_ENV - SCRAPYD_ENV
        assert not unknown, f"{name}: names the configuration module does not read: {sorted(unknown)}"
    web = services["web"]["environment"]
    assert {"DATABASE_URL", "SELENIUM_URL", "SCRAPYD_USERNAME", "SCRAPYD_PASSWORD", "API_HOST", "API_PORT"} <= set(web)
    assert {"SCRAPYD_URL", "SCRAPYD_USERNAME", "SCRAPYD_PASSWORD"} <= set(services["scheduler"]["environment"])


def test_compose_environment_values_load_as_configuration():
    dotenv = {
        "POSTGRES_PASSWORD": "pw",
        "SCRAPYD_USERNAME": "ops",
        "SCRAPYD_PASSWORD": "s3cret",
        "ORGAO_CNPJ": "00394452000103",
    }
    for name in ("web", "scheduler"):
        env = {k: interpolate(str(v), dotenv) for k, v in compose()["services"][name]["environment"].items()}
        config = load_config(environ=env, env_file=Path("/nonexistent/.env"))
        assert config.scrapyd_username == "ops" and config.scrapyd_password == "s3cret"
    web_environment = compose()["services"]["web"]["environment"]
    web = load_config(
        environ={k: interpolate(str(v), dotenv) for k, v in web_environment.items()}, env_file=Path("/nonexistent/.env")
    )
    assert web.database_url == "postgresql://procurement:pw@db:5432/procurement_data"
    assert web.selenium_url == "http://selenium:4444" and web.api_host == "0.0.0.0" and web.api_port == 6800
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):  # no silent default for a secret
        interpolate(compose()["services"]["web"]["environment"]["DATABASE_URL"], {})


def test_no_secret_values_in_deploy_files():
    for path in [COMPOSE, ROOT / "scrapyd.conf", ROOT / "scrapy.cfg", *sorted((ROOT / "k8s").glob("*.yaml"))]:
        text = path.read_text()
        literal_secret = r"(?im)^\s*(password|POSTGRES_PASSWORD|SCRAPYD_PASSWORD|PGC_SENHA)\s*[:=]\s*[\"']?[A-Za-z0-9]"
        assert not re.search(literal_secret, text) or "${" in text, path


def k8s_documents() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted((ROOT / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs.append((path.name, doc))
    return docs


def test_k8s_manifests_validate_against_the_kubernetes_schemas():
    docs = k8s_documents()
    kinds = {doc["kind"] for _, doc in docs}
    assert {"StatefulSet", "Deployment", "Service", "CronJob", "ConfigMap"} <= kinds
    for filename, doc in docs:
        try:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(map(str, exc.path))
            pytest.fail(f"{filename} {doc['kind']}/{doc['metadata']['name']}: {where}: {exc.message}")


def test_k8s_covers_postgres_web_selenium_and_the_cron_alternative():
    by_name = {(doc["kind"], doc["metadata"]["name"]): doc for _, doc in k8s_documents()}
    pg = by_name[("StatefulSet", "postgres")]["spec"]["template"]["spec"]["containers"][0]
    assert pg["image"] == "postgres:15"
    web = by_name[("Deployment", "web")]["spec"]["template"]["spec"]["containers"][0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/health.json"
    env_names = {e["name"] for e in web["env"]} | set(by_name[("ConfigMap", "procurement-config")]["data"])
    unknown = env_names - CONFIG_ENV - OTHER_PROJECT_ENV - SCRAPYD_ENV - {"POSTGRES_USER", "POSTGRES_PASSWORD"}
    assert not unknown, sorted(unknown)
    cron = by_name[("CronJob", "pncp-diario")]["spec"]
    assert cron["concurrencyPolicy"] == "Forbid" and cron["schedule"] == "0 6 * * *"
    schedules = parse_schedule(by_name[("ConfigMap", "procurement-schedules")]["data"]["schedules.toml"])
    entry = next(e for e in schedules.entries if e.name == "pncp-diario")
    assert entry.cron == cron["schedule"] and schedules.timezone.key == cron["timeZone"]
    # A secret never sits in a manifest: every password comes from a secretKeyRef.
    for _, doc in k8s_documents():
        for key in doc.get("data") or {}:
            assert "PASSWORD" not in key and "SENHA" not in key


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def render_nginx(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "deploy" / "render-nginx.sh")],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": os.environ["PATH"], **env},
    )


def test_nginx_rate_limit_is_the_legacy_one():
    text = (ROOT / "deploy" / "nginx.conf.template").read_text()
    assert re.search(r"limit_req_zone \$binary_remote_addr zone=(\w+):\w+ rate=10r/s;", text)
    assert text.count("burst=20") >= 1


def test_nginx_refuses_to_render_without_certificates():
    done = render_nginx(TLS_CERTIFICATE="/etc/ssl/x.pem")
    assert done.returncode == 2 and "TLS_CERTIFICATE_KEY" in done.stderr and done.stdout == ""


@pytest.fixture
def tls_nginx(tmp_path):
    """The rendered template run by a real nginx on free ports, with a self-signed certificate,
    in front of a small HTTP server standing in for scrapyd (it echoes the forwarded headers)."""
    if NGINX is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    seen: list[dict] = []

    class Upstream(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append(
                {
                    "path": self.path,
                    "proto": self.headers.get("X-Forwarded-Proto"),
                    "auth": self.headers.get("Authorization"),
                }
            )
            body = b'{"status": "ok"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    http_port, https_port = free_port(), free_port()
    done = render_nginx(
        TLS_CERTIFICATE=str(cert),
        TLS_CERTIFICATE_KEY=str(key),
        SERVER_NAME="127.0.0.1",
        NGINX_HTTP_PORT=str(http_port),
        NGINX_HTTPS_PORT=str(https_port),
        NGINX_UPSTREAM=f"127.0.0.1:{upstream.server_address[1]}",
    )
    assert done.returncode == 0, done.stderr
    site = tmp_path / "procurement.conf"
    site.write_text(done.stdout)
    assert "${" not in done.stdout and "$request_uri" in done.stdout  # nginx's own variables untouched
    (tmp_path / "logs").mkdir()
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\ndaemon off;\n"
        f"events {{}}\nhttp {{\n access_log off;\n include {site};\n}}\n"
    )
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(main)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(
            lambda: socket.create_connection(("127.0.0.1", https_port), timeout=1).close() or True,
            30,
            what="nginx to listen",
        )
        yield {"http": http_port, "https": https_port, "cert": str(cert), "seen": seen}
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        upstream.shutdown()
        upstream.server_close()


def test_nginx_serves_tls_with_hsts_and_redirects_http(tls_nginx):
    """Issue 8 defect 15: port 80 used to proxy everything, basic-auth credentials in clear."""
    plain = requests.get(
        f"http://127.0.0.1:{tls_nginx['http']}/listjobs.json?project=p",
        allow_redirects=False,
        auth=("ops", "secret"),
        timeout=10,
    )
    assert plain.status_code == 301
    assert plain.headers["Location"] == f"https://127.0.0.1:{tls_nginx['https']}/listjobs.json?project=p"
    assert tls_nginx["seen"] == []  # nothing reached scrapyd over plain HTTP

    secure = requests.get(
        f"https://127.0.0.1:{tls_nginx['https']}/listjobs.json?project=p",
        auth=("ops", "secret"),
        verify=tls_nginx["cert"],
        timeout=10,
    )
    assert secure.status_code == 200 and secure.json() == {"status": "ok"}
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert tls_nginx["seen"] == [
        {"path": "/listjobs.json?project=p", "proto": "https", "auth": requests.auth._basic_auth_str("ops", "secret")}
    ]


def test_config_error_for_a_bad_compose_value():
    with pytest.raises(ConfigError):
        load_config(environ={"API_PORT": "not-a-port"}, env_file=Path("/nonexistent/.env"))
