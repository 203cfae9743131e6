"""Deploy files, checked offline: docker-compose.yml against the Compose Specification schema
(vendored by check-jsonschema), its environment names against the configuration module, the k8s
manifests against the Kubernetes schemas (vendored by kubernetes-validate); the topology of issue 11
(`web` = the web app on 8000, `scrapyd` internal on 6800); nginx rendered and run in a real nginx
in front of a local upstream, with the seed's rate limit."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
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
from procurement_spiders.parsing.web_users import hash_password, parse_users
from procurement_spiders.scheduler.schedule import parse_schedule
from tests.support import ROOT, free_port, wait_for

COMPOSE = ROOT / "docker-compose.yml"
K8S_VERSION = "1.33.0"
CONFIG_ENV = {f.name.upper() for f in fields(Config)}
# Read by something other than Config: the .env switch, scrapyd's own overrides, the images' variables.
OTHER_PROJECT_ENV = {"PROCUREMENT_ENV_FILE", "FORWARDED_ALLOW_IPS"}  # the last: uvicorn's own
SCRAPYD_ENV = {"SCRAPYD_BIND_ADDRESS", "SCRAPYD_HTTP_PORT"}
PROJECT_SERVICES = ("web", "scrapyd", "scheduler")
SESSION_SECRET = "s" * 40


def dotenv(**extra: str) -> dict[str, str]:
    """A .env with what compose requires (the web users' hash written as compose reads it)."""
    return {
        "POSTGRES_PASSWORD": "pw",
        "SCRAPYD_USERNAME": "ops",
        "SCRAPYD_PASSWORD": "s3cret",
        "WEB_USERS": f"ana:operador:{hash_password('senha-da-ana')}",
        "WEB_SESSION_SECRET": SESSION_SECRET,
        **extra,
    }


def service_config(name: str, env: dict[str, str]) -> Config:
    raw = compose()["services"][name]["environment"]
    environ = {k: interpolate(str(v), env) for k, v in raw.items()}
    return load_config(environ=environ, env_file=Path("/nonexistent/.env"))


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
    assert {"web", "scrapyd", "scheduler", "db", "selenium", "sandbox"} <= set(services)
    db = services["db"]
    assert db["image"] == "postgres:15" and db["environment"]["POSTGRES_DB"] == "procurement_data"
    assert any(v.startswith("postgres_data:") for v in db["volumes"]) and "postgres_data" in compose()["volumes"]
    selenium = services["selenium"]
    assert selenium["image"].startswith("selenium/standalone-chrome")
    assert selenium["shm_size"] == "2gb" and selenium["environment"]["SE_VNC_NO_VIEWONLY"] == "1"
    assert {p.rsplit(":", 1)[-1] for p in selenium["ports"]} == {"4444", "7900"}
    assert services["sandbox"]["profiles"] == ["demo"]
    for name in ("web", "scrapyd", "scheduler", "db", "selenium", "sandbox"):
        assert "healthcheck" in services[name], name
    assert services["scrapyd"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "selenium": {"condition": "service_healthy"},
    }
    assert services["web"]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert services["scheduler"]["depends_on"] == {"scrapyd": {"condition": "service_healthy"}}
    assert services["web"]["build"]["dockerfile"] == "Dockerfile" and (ROOT / "Dockerfile").is_file()
    assert services["scrapyd"]["image"] == services["web"]["image"]  # one image, two commands


def test_web_is_the_web_app_on_8000_with_a_health_check_on_its_health_page():
    """Issue 11, Deploy: `web` runs `python -m procurement_spiders.web` on 8000, published on the
    host's loopback only (nginx in front), its healthcheck GET /health (200 healthy, else 503)."""
    web = compose()["services"]["web"]
    assert web["command"] == ["python", "-m", "procurement_spiders.web"]
    assert web["ports"] == ["127.0.0.1:8000:8000"]
    env = web["environment"]
    assert env["API_HOST"] == "0.0.0.0" and str(env["API_PORT"]) == "8000"
    assert env["SCRAPYD_URL"] == "http://scrapyd:6800"
    probe = " ".join(web["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/health'" in probe and "status == 200" in probe
    assert "scrapyd_data:/var/lib/scrapyd" not in web.get("volumes", [])
    # The image carries the web app's dependencies (the `web` extra) next to scrapyd.
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert '".[scrapyd,web]"' in dockerfile and "EXPOSE 6800 8000" in dockerfile


def test_scrapyd_is_internal_and_the_demo_sandbox_lives_in_its_network_namespace():
    services = compose()["services"]
    scrapyd = services["scrapyd"]
    assert "ports" not in scrapyd and [str(p) for p in scrapyd["expose"]] == ["6800"]
    assert "command" not in scrapyd  # the image's default: scrapyd (Dockerfile CMD)
    assert "scrapyd_data:/var/lib/scrapyd" in scrapyd["volumes"]
    assert scrapyd["environment"]["SCRAPYD_BIND_ADDRESS"] == "0.0.0.0"
    assert "/health.json" in " ".join(scrapyd["healthcheck"]["test"])
    assert not {"API_HOST", "API_PORT"} & set(scrapyd["environment"])  # the web app's, not scrapyd's
    # Crawls run in scrapyd and reach the sandbox on their loopback (SANDBOX_URL=http://127.0.0.1:8800).
    sandbox = services["sandbox"]
    assert sandbox["network_mode"] == "service:scrapyd"
    assert sandbox["depends_on"] == {"scrapyd": {"condition": "service_started"}}
    assert scrapyd["environment"]["SANDBOX_URL"] == "http://127.0.0.1:8800"
    assert services["scheduler"]["environment"]["SCRAPYD_URL"] == "http://scrapyd:6800"
    # Only the loopback of the host ever gets a published port.
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)


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
    for name in PROJECT_SERVICES:
        env = services[name]["environment"]
        unknown = set(env) - CONFIG_ENV - OTHER_PROJECT_ENV - SCRAPYD_ENV
        assert not unknown, f"{name}: names the configuration module does not read: {sorted(unknown)}"
    web = services["web"]["environment"]
    assert {"DATABASE_URL", "SELENIUM_URL", "SCRAPYD_URL", "SCRAPYD_USERNAME", "SCRAPYD_PASSWORD"} <= set(web)
    assert {"API_HOST", "API_PORT", "WEB_USERS", "WEB_SESSION_SECRET", "PGC_NOVNC_URL"} <= set(web)
    assert {"PGC_CPF", "PGC_SENHA"} & set(web) == set()  # the PGC login is the crawls' (scrapyd), not the page's
    assert {"PGC_CPF", "PGC_SENHA", "PGC_NOVNC_URL"} <= set(services["scrapyd"]["environment"])
    assert {"SCRAPYD_URL", "SCRAPYD_USERNAME", "SCRAPYD_PASSWORD"} <= set(services["scheduler"]["environment"])


def test_compose_environment_values_load_as_configuration():
    env = dotenv(ORGAO_CNPJ="00394452000103")
    for name in PROJECT_SERVICES:
        config = service_config(name, env)
        assert config.scrapyd_username == "ops" and config.scrapyd_password == "s3cret"
        if name != "scrapyd":
            assert config.scrapyd_url == "http://scrapyd:6800"
    web = service_config("web", env)
    assert web.database_url == "postgresql://procurement:pw@db:5432/procurement_data"
    assert web.selenium_url == "http://selenium:4444" and web.api_host == "0.0.0.0" and web.api_port == 8000
    assert list(parse_users(web.web_users)) == ["ana"] and web.web_session_secret == SESSION_SECRET
    assert web.pgc_novnc_url == service_config("scrapyd", env).pgc_novnc_url  # the crawl records it, the page shows it
    # No silent default for a secret, nor for the web users (the app would refuse 0.0.0.0 without them).
    environment = compose()["services"]["web"]["environment"]
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):
        interpolate(environment["DATABASE_URL"], {})
    for required in ("WEB_USERS", "WEB_SESSION_SECRET"):
        with pytest.raises(KeyError, match=required):
            interpolate(environment[required], {})


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
    config_map = by_name[("ConfigMap", "procurement-config")]["data"]
    for name in ("web", "scrapyd"):
        container = by_name[("Deployment", name)]["spec"]["template"]["spec"]["containers"][0]
        env_names = {e["name"] for e in container["env"]} | set(config_map)
        unknown = env_names - CONFIG_ENV - OTHER_PROJECT_ENV - SCRAPYD_ENV - {"POSTGRES_USER", "POSTGRES_PASSWORD"}
        assert not unknown, (name, sorted(unknown))
    cron = by_name[("CronJob", "pncp-diario")]["spec"]
    assert cron["concurrencyPolicy"] == "Forbid" and cron["schedule"] == "0 6 * * *"
    schedules = parse_schedule(by_name[("ConfigMap", "procurement-schedules")]["data"]["schedules.toml"])
    entry = next(e for e in schedules.entries if e.name == "pncp-diario")
    assert entry.cron == cron["schedule"] and schedules.timezone.key == cron["timeZone"]
    # A secret never sits in a manifest: every password comes from a secretKeyRef.
    for _, doc in k8s_documents():
        for key in doc.get("data") or {}:
            assert "PASSWORD" not in key and "SENHA" not in key and "WEB_" not in key
    cron_env = {e["name"]: e for e in cron["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert cron_env["SCRAPYD_URL"]["value"] == "http://scrapyd:6800"


def test_k8s_web_app_and_scrapyd_are_separate_deployments_and_services():
    """Issue 11: `web` is the web app on 8000 (probes on /health), `scrapyd` its own Deployment
    behind a ClusterIP Service on 6800 (probes on /health.json); secrets only from the Secret."""
    by_name = {(doc["kind"], doc["metadata"]["name"]): doc for _, doc in k8s_documents()}
    web_pod = by_name[("Deployment", "web")]["spec"]["template"]["spec"]
    web = web_pod["containers"][0]
    assert web["command"] == ["python", "-m", "procurement_spiders.web"]
    assert web["ports"] == [{"name": "http", "containerPort": 8000}]
    for probe in ("readinessProbe", "livenessProbe"):
        assert web[probe]["httpGet"] == {"path": "/health", "port": "http"}, probe
    env = {e["name"]: e for e in web["env"]}
    assert env["API_HOST"]["value"] == "0.0.0.0" and env["API_PORT"]["value"] == "8000"
    for secret in ("WEB_USERS", "WEB_SESSION_SECRET", "SCRAPYD_PASSWORD", "POSTGRES_PASSWORD"):
        assert env[secret]["valueFrom"]["secretKeyRef"]["name"] == "procurement-secrets", secret
    web_service = by_name[("Service", "web")]["spec"]
    assert web_service["ports"][0]["port"] == 8000 and web_service["selector"] == {"app.kubernetes.io/name": "web"}

    scrapyd = by_name[("Deployment", "scrapyd")]["spec"]["template"]["spec"]["containers"][0]
    assert "command" not in scrapyd and scrapyd["ports"] == [{"name": "http", "containerPort": 6800}]
    assert scrapyd["readinessProbe"]["httpGet"]["path"] == "/health.json"
    scrapyd_env = {e["name"]: e for e in scrapyd["env"]}
    assert scrapyd_env["SCRAPYD_BIND_ADDRESS"]["value"] == "0.0.0.0" and "API_HOST" not in scrapyd_env
    assert "valueFrom" in scrapyd_env["SCRAPYD_PASSWORD"] and "valueFrom" in scrapyd_env["PGC_SENHA"]
    scrapyd_service = by_name[("Service", "scrapyd")]["spec"]
    assert scrapyd_service["type"] == "ClusterIP" and scrapyd_service["ports"][0]["port"] == 6800
    config_map = by_name[("ConfigMap", "procurement-config")]["data"]
    assert config_map["SCRAPYD_URL"] == "http://scrapyd:6800" and "API_HOST" not in config_map
    assert by_name[("Deployment", "scrapyd")]["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"] == {
        "claimName": "scrapyd-data"
    }
    # Nothing exposes a port outside the cluster.
    for _, doc in k8s_documents():
        if doc["kind"] == "Service":
            assert doc["spec"].get("type", "ClusterIP") == "ClusterIP", doc["metadata"]["name"]


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def render_nginx(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "deploy" / "render-nginx.sh")],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": os.environ["PATH"], **env},
    )


# The seed's limit (its deploy/nginx.conf, commit d753d51): 10 r/s per client address, burst 20 without
# delay, 429 beyond. Kept in the template's comment with its source.
RATE, BURST = 10, 20


def test_nginx_rate_limit_is_the_seeds_and_the_upstream_is_the_web_app():
    text = (ROOT / "deploy" / "nginx.conf.template").read_text()
    assert re.search(rf"limit_req_zone \$binary_remote_addr zone=procurement_api:10m rate={RATE}r/s;", text)
    assert f"limit_req zone=procurement_api burst={BURST} nodelay;" in text and "limit_req_status 429;" in text
    assert "d753d51" in text  # the source of the figures
    done = render_nginx(TLS_CERTIFICATE="/etc/ssl/c.pem", TLS_CERTIFICATE_KEY="/etc/ssl/k.pem")
    assert done.returncode == 0, done.stderr
    directives = "\n".join(line.split("#", 1)[0] for line in done.stdout.splitlines())
    assert "6800" not in directives and "health.json" not in directives and "scrapyd" not in directives
    assert re.search(r"upstream procurement_web \{\s+server web:8000;", done.stdout)  # the default upstream
    # /health has no limit_req (a monitor must not read 429 as "down"); / has it.
    blocks = dict(re.findall(r"location (= /health|/) \{(.*?)\n    \}", done.stdout, re.S))
    assert "limit_req " in blocks["/"] and "limit_req" not in blocks["= /health"]


def test_nginx_refuses_to_render_without_certificates():
    done = render_nginx(TLS_CERTIFICATE="/etc/ssl/x.pem")
    assert done.returncode == 2 and "TLS_CERTIFICATE_KEY" in done.stderr and done.stdout == ""


@pytest.fixture
def tls_nginx(tmp_path):
    """The rendered template run by a real nginx on free ports, with a self-signed certificate,
    in front of a small HTTP server on 127.0.0.1 standing in for the web app (NGINX_UPSTREAM; it
    records each request's path and forwarded headers)."""
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
        protocol_version = "HTTP/1.1"  # keep-alive, as nginx's upstream block asks

        def do_GET(self):  # noqa: N802
            seen.append(
                {
                    "path": self.path,
                    "proto": self.headers.get("X-Forwarded-Proto"),
                    "cookie": self.headers.get("Cookie"),
                }
            )
            body = b'{"status": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
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
    """Issue 8 defect 15: port 80 used to proxy everything, credentials in clear."""
    plain = requests.get(
        f"http://127.0.0.1:{tls_nginx['http']}/coletas?ano=2025",
        allow_redirects=False,
        cookies={"procurement_session": "abc"},
        timeout=10,
    )
    assert plain.status_code == 301
    assert plain.headers["Location"] == f"https://127.0.0.1:{tls_nginx['https']}/coletas?ano=2025"
    assert tls_nginx["seen"] == []  # nothing reached the web app over plain HTTP

    secure = requests.get(
        f"https://127.0.0.1:{tls_nginx['https']}/coletas?ano=2025",
        cookies={"procurement_session": "abc"},
        verify=tls_nginx["cert"],
        timeout=10,
    )
    assert secure.status_code == 200 and secure.json() == {"status": "ok"}
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # X-Forwarded-Proto https: the app marks its session cookie Secure behind this proxy.
    assert tls_nginx["seen"] == [{"path": "/coletas?ano=2025", "proto": "https", "cookie": "procurement_session=abc"}]


def test_nginx_limits_each_client_to_the_seeds_rate_but_never_health(tls_nginx):
    """A burst of page requests from one address: the first BURST + 1 pass at once, then nginx
    answers 429 itself (the app never sees them), and over the whole burst no more pass than
    BURST + 1 + RATE x elapsed seconds. /health stays unlimited, /metrics is not served."""
    base = f"https://127.0.0.1:{tls_nginx['https']}"
    with requests.Session() as client:
        cert = tls_nginx["cert"]
        started = time.monotonic()
        codes = [client.get(f"{base}/coletas", verify=cert, timeout=10).status_code for _ in range(100)]
        elapsed = time.monotonic() - started
        passed = codes.count(200)
        assert codes[: BURST + 1] == [200] * (BURST + 1), codes
        assert set(codes) == {200, 429}, codes
        assert passed <= BURST + 1 + RATE * elapsed + 1, (passed, elapsed)
        assert codes.count(429) >= 100 - (BURST + 1 + RATE * elapsed + 1)
        assert len([s for s in tls_nginx["seen"] if s["path"] == "/coletas"]) == passed  # 429s stopped at nginx
        print(f"nginx limit: {passed} of 100 passed in {elapsed:.2f} s, {codes.count(429)} got 429")

        # The zone is exhausted for this address now, yet a monitor's /health always passes.
        health = [client.get(f"{base}/health", verify=cert, timeout=10).status_code for _ in range(60)]
        assert health == [200] * 60
        assert client.get(f"{base}/metrics", verify=cert, timeout=10).status_code == 404
    assert not any(s["path"] == "/metrics" for s in tls_nginx["seen"])


def test_config_error_for_a_bad_compose_value():
    with pytest.raises(ConfigError):
        load_config(environ={"API_PORT": "not-a-port"}, env_file=Path("/nonexistent/.env"))
