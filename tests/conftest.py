"""Shared fixtures: a real database daemon, a real server on loopback, real clients."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from tests.support import Server, World, seed_world, start_server

# Support modules that define fixtures (``apis``, ``screens``): registered here, so a test takes them as
# parameters without importing them.
pytest_plugins = [
    "tests.integration.concerns_support",
    "tests.integration.processes",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def database_uri() -> str:
    """One SecantusDB daemon for the whole test run; each test gets its own database in it."""
    uri = os.environ.get("ADVOCACY_TEST_MONGODB_URI")
    if uri:
        yield uri
        return
    daemon = Path(sys.executable).with_name("secantusd-py")
    data_dir = Path(tempfile.mkdtemp(prefix="advocacy-test-db-"))
    port = _free_port()
    log = open(data_dir / "db.log", "wb")
    process = subprocess.Popen(
        [str(daemon), "--host", "127.0.0.1", "--port", str(port), "--storage-path", str(data_dir / "db"),
         "--standalone", "--log-level", "WARNING"],
        stdout=log, stderr=log, start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the test database exited at start; see {data_dir / 'db.log'}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError as error:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the test database did not start within 30 s") from error
            time.sleep(0.1)
    yield f"mongodb://127.0.0.1:{port}/?directConnection=true"
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def database_name() -> str:
    return f"test_{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def server(database_uri: str, database_name: str):
    """The real app on a loopback port, on a fresh database."""
    async with start_server(database_uri, database_name) as running:
        yield running


@pytest.fixture
async def world(server: Server) -> World:
    """A small service: two local authorities, a manager, two advocates, three children."""
    return await seed_world(server)
