"""Helpers of the operations tests: throwaway PostgreSQL clusters, a real scrapyd, real Grids.

Imported by tests/integration/test_ops_*.py and tests/e2e/test_scrapyd_*.py; the general helpers
(free_port, wait_for, …) come from tests/support.py. Everything binds to 127.0.0.1 on free ports
and lives under pytest's tmp_path.
"""

from __future__ import annotations

import base64
import configparser
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.support import ROOT, free_port, wait_for  # noqa: F401  (re-exported for the ops tests)


def _newest_pg_bin() -> Path:
    """The newest installed server, as scripts/pg.sh picks it."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    return found[-1] if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = Path(os.environ["PG_BIN"]) if os.environ.get("PG_BIN") else _newest_pg_bin()
PYTHON = sys.executable


class PgCluster:
    """A dedicated PostgreSQL 15 cluster (initdb + pg_ctl) that a test may stop and start.

    PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user and
    lives in its own folder under /tmp (pytest's tmp_path is private to root).
    """

    def __init__(self, base: Path | None = None):
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            import pwd
            import tempfile

            pw = pwd.getpwnam("postgres")
            base = Path(tempfile.mkdtemp(prefix="ops-pg-"))
            os.chown(base, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        assert base is not None
        self.base = base
        self.datadir = base / "pgdata"
        self.sockdir = base / "pgsock"
        self.logfile = base / "pg.log"
        self.port = free_port()

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, *args], check=check, capture_output=True, text=True, timeout=120)

    def init(self) -> PgCluster:
        self._run("mkdir", "-p", str(self.sockdir))
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.datadir),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )
        return self

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.sockdir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-l",
            str(self.logfile),
            "-o",
            opts,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "-t", "60", "stop", check=False)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def createdb(self, name: str) -> str:
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)


def http(
    method: str, url: str, *, auth: tuple[str, str] | None = None, data: dict | None = None, timeout: float = 30
) -> tuple[int, dict | str]:
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, method=method)
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            code, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        code, raw = exc.code, exc.read()
    text = raw.decode("utf-8", "replace")
    try:
        return code, json.loads(text)
    except ValueError:
        return code, text


class Scrapyd:
    """A real scrapyd started from the repository's scrapyd.conf, in its own working folder."""

    def __init__(
        self,
        base: Path,
        *,
        username: str,
        password: str,
        env: dict[str, str] | None = None,
        poll_interval: float = 0.5,
        extra_conf: dict[str, dict[str, str]] | None = None,
        pythonpath: list[Path] | None = None,
    ):
        self.workdir = base / "scrapyd"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.auth = (username, password)
        self.env = dict(env or {})
        self.poll_interval = poll_interval
        self.extra_conf = extra_conf or {}
        self.pythonpath = [ROOT / "deploy" / "scrapyd", *(pythonpath or [])]
        self.proc: subprocess.Popen | None = None
        self.logfile = base / "scrapyd.out"

    def start(self) -> Scrapyd:
        self.workdir.mkdir(parents=True, exist_ok=True)
        cp = configparser.ConfigParser()
        cp.read(ROOT / "scrapyd.conf")
        cp["scrapyd"]["poll_interval"] = str(self.poll_interval)
        for section, values in self.extra_conf.items():
            if not cp.has_section(section):
                cp.add_section(section)
            cp[section].update(values)
        with open(self.workdir / "scrapyd.conf", "w") as fh:
            cp.write(fh)
        env = os.environ.copy()
        for name in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT", "SCRAPYD_EGG_VERSION"):
            env.pop(name, None)
        env.update(self.env)
        env.update(
            {
                # the add-on folder (and what a test adds): the repository must not shadow the deployed egg
                "PYTHONPATH": os.pathsep.join(str(p) for p in self.pythonpath),
                "SCRAPYD_USERNAME": self.auth[0],
                "SCRAPYD_PASSWORD": self.auth[1],
                "SCRAPYD_HTTP_PORT": str(self.port),
                "SCRAPYD_BIND_ADDRESS": "127.0.0.1",
                "PROCUREMENT_ENV_FILE": "/nonexistent/.env",
            }
        )
        self.log = open(self.logfile, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "scrapyd"],
            cwd=self.workdir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(
            lambda: self._alive() and http("GET", f"{self.url}/daemonstatus.json", auth=self.auth, timeout=2)[0] == 200,
            30,
            what="scrapyd to answer",
        )
        return self

    def _alive(self) -> bool:
        if self.proc is None or self.proc.poll() is not None:
            raise AssertionError(f"scrapyd exited: {self.logfile.read_text(errors='replace')[-2000:]}")
        return True

    def get(self, path: str, auth=True, **params) -> tuple[int, dict | str]:
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        return http("GET", f"{self.url}/{path}{query}", auth=self._auth(auth))

    def post(self, path: str, data: dict, auth=True) -> tuple[int, dict | str]:
        return http("POST", f"{self.url}/{path}", data=data, auth=self._auth(auth))

    def _auth(self, auth) -> tuple[str, str] | None:
        """True: the right credentials; False: none; a (user, password) tuple: those."""
        if isinstance(auth, tuple):
            return auth
        return self.auth if auth else None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if getattr(self, "log", None):
            self.log.close()


# What a build of the package reads: the package (its SQL migrations and scripts inside it) and
# the packaging files; scrapy.cfg is scrapyd-deploy's.
PROJECT_FILES = ("procurement_spiders", "pyproject.toml", "setup.py", "scrapy.cfg")


def copy_project(dest: Path) -> Path:
    """A clean copy of what packaging reads, so builds leave no build/ folder in the shared tree."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name, ignore=ignore)
        else:
            shutil.copy(ROOT / name, dest / name)
    return dest


def build_egg(dest: Path) -> Path:
    """The egg `scrapyd-deploy` uploads (`scrapyd-deploy --build-egg`), built from a copy of the sources."""
    src = dest / "src"
    if src.exists():
        shutil.rmtree(src)
    copy_project(src)
    egg = dest / "dist" / "procurement_spiders.egg"  # dist/*.egg, where callers look for it
    egg.parent.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY", "SCRAPYD"))}
    subprocess.run(
        [str(Path(PYTHON).parent / "scrapyd-deploy"), "--build-egg", str(egg)],
        cwd=src,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return egg


class RealGrid:
    """A Selenium Grid of its own (scripts/grid.sh standalone, Chromium) with ONE session slot, so a
    test can make it busy by holding a session; stop()/start() give a Grid that is down and back."""

    def __init__(self, base: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "GRID_PORT": str(self.port),
            "GRID_DIR": str(base / f"grid-{self.port}"),
            "GRID_MAX_SESSIONS": "1",
        }

    def _script(self, action: str) -> None:
        subprocess.run(
            [str(ROOT / "scripts" / "grid.sh"), action],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=180,
        )

    def start(self) -> RealGrid:
        self._script("start")
        return self

    def stop(self) -> None:
        self._script("stop")

    @contextlib.contextmanager
    def held_session(self):
        """Every slot busy for the duration: the Grid then answers ready=false with its node UP."""
        from procurement_spiders.browser.session import create_driver, quit_quietly
        from procurement_spiders.config import load_config

        driver = create_driver(load_config(environ={"SELENIUM_URL": self.url}, env_file=Path("/nonexistent/.env")))
        try:
            yield driver
        finally:
            quit_quietly(driver)


class GridHub:
    """A real Grid hub with no node: Selenium's own "not ready" (ready=false, no slot at all)."""

    def __init__(self, base: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = base / f"hub-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> GridHub:
        jar = next((ROOT / ".tools").glob("selenium-server-*.jar"))
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [
                    "java",
                    "-Xmx256m",
                    "-jar",
                    str(jar),
                    "hub",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--publish-events",
                    f"tcp://127.0.0.1:{free_port()}",
                    "--subscribe-events",
                    f"tcp://127.0.0.1:{free_port()}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(
            lambda: http("GET", f"{self.url}/status", timeout=2)[0] == 200,
            90,
            interval=0.5,
            what="the Grid hub to answer",
        )
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(30)
