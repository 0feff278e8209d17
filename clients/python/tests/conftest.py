"""A real hub for the tests: `node src/cli.ts serve` on a free port, over PGlite, or over a
fresh database of the PostgreSQL in DATABASE_URL when it is set (dropped afterwards)."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CLIENT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CLIENT))

import evalhub  # noqa: E402

NODE = os.environ.get("EVALHUB_NODE") or shutil.which("node") or "node"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(env: dict, *args: str) -> str:
    done = subprocess.run(
        [NODE, "src/cli.ts", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise RuntimeError(f"evalhub {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def node_eval(script: str, *args: str) -> None:
    subprocess.run([NODE, "--input-type=module", "-e", script, *args], cwd=ROOT, check=True, timeout=60)


class HubProcess:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server_url = os.environ.get("DATABASE_URL") or None
        self.database = None
        self.env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "EVALHUB_DATA_DIR": str(tmp / "data"),
            "EVALHUB_STORE_DIR": str(tmp / "store"),
            "EVALHUB_WORK_DIR": str(tmp / "work"),
            "EVALHUB_WORKERS": "1",
            "EVALHUB_ACTOR": "notebook-tests",
            "LOG_LEVEL": "warn",
            "DATABASE_URL": "",
            # The hub reads local files only inside its data roots: the tests' temporary files.
            "EVALHUB_DATA_ROOTS": f"{tempfile.gettempdir()}:{ROOT}",
            # Every process of one hub signs its audit record with the same key.
            "EVALHUB_AUDIT_KEY": secrets.token_hex(32),
            # On PostgreSQL the hub signs run evidence with a key it is given.
            "EVALHUB_SIGNING_KEY": str(ROOT / "test" / "fixtures" / "signing-key.pem"),
            # The command runner may start this Python (in projects that enable it).
            "EVALHUB_COMMAND_ALLOW": os.path.realpath(sys.executable),
            # Content above 4 MiB is hashed by the hub in the background (test_background.py).
            "EVALHUB_INLINE_HASH_BYTES": str(4 * 2**20),
        }
        if self.server_url:
            self.database = f"evalhub_py_{secrets.token_hex(5)}"
            node_eval(CREATE_DB, self.server_url, self.database)
            base, _, _ = self.server_url.rpartition("/")
            self.env["DATABASE_URL"] = f"{base}/{self.database}"
        # Tokens are made on the server before it starts (PGlite admits one process at a time).
        self.admin_token = cli(self.env, "token", "create", "--admin", "--name", "py-admin").strip().splitlines()[-1]
        self.viewer_token = (
            cli(self.env, "token", "create", "--project", "nb", "--role", "viewer", "--name", "py-viewer")
            .strip()
            .splitlines()[-1]
        )
        self.log = open(tmp / "hub.log", "w")
        self.process = subprocess.Popen(
            [NODE, "src/cli.ts", "serve"], cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 90
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub exited: {(tmp / 'hub.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the hub did not start within 90 s")
                time.sleep(0.2)

    @property
    def local_mode(self) -> bool:
        return not self.server_url

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        if self.database:
            node_eval(DROP_DB, self.server_url, self.database)


CREATE_DB = """
import postgres from 'postgres';
const sql = postgres(process.argv[1], { max: 1, onnotice: () => {} });
await sql.unsafe(`create database ${process.argv[2]}`);
await sql.end();
"""

DROP_DB = """
import postgres from 'postgres';
const sql = postgres(process.argv[1], { max: 1, onnotice: () => {} });
await sql.unsafe(`drop database if exists ${process.argv[2]} with (force)`);
await sql.end();
"""


@pytest.fixture(scope="session")
def hub_process(tmp_path_factory):
    process = HubProcess(tmp_path_factory.mktemp("hub"))
    yield process
    process.close()


@pytest.fixture(scope="session")
def hub(hub_process) -> evalhub.Hub:
    return evalhub.Hub(hub_process.url, hub_process.admin_token)


@pytest.fixture
def pandas():
    """pandas, for the tests that read results as DataFrames: skipped where it is missing (the
    client itself never needs it, which `test_pandas_and_tqdm_are_never_required` checks)."""
    return pytest.importorskip("pandas")


class Proxy:
    """A TCP relay to the hub whose connections can be cut, as a laptop's Wi-Fi does."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.cuts = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        with self.lock:
            sockets, self.sockets = self.sockets, []
            self.cuts += 1
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass

    def close(self) -> None:
        self.server.close()
        self.cut()


@pytest.fixture
def proxy(hub_process):
    relay = Proxy(hub_process.port)
    yield relay
    relay.close()
