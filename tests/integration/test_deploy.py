"""deploy/: the nginx configuration passes Debian's `nginx -t` (both the machine's and compose's), and in front of
two `advocacy serve` processes sharing Redis it carries a chat over WebSocket from one process to the other."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import uuid
from pathlib import Path

import aiohttp
import pytest
import socketio
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from advocacy.crypto import create_key_file
from advocacy.embedded_db import free_port
from advocacy.store import Store
from tests.integration.processes import ADVOCACY, start_redis, stop_process, wait_until_serving

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def nginx_binary() -> str:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.fail("nginx is needed to check deploy/nginx: apt-get install -y nginx")
    return nginx


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "advocacy.example.org")])
    now = datetime.datetime.now(datetime.timezone.utc)
    also = x509.SubjectAlternativeName([x509.DNSName("advocacy.example.org"),
                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).add_extension(also, critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.mark.parametrize("config", ["advocacy.conf", "compose.conf"])
def test_the_nginx_configuration_passes_nginx_t(tmp_path, config):
    nginx = nginx_binary()
    cert, key = self_signed(tmp_path)
    text = (DEPLOY / "nginx" / config).read_text()
    text = text.replace("/etc/ssl/advocacy/fullchain.pem", str(cert)).replace("/etc/ssl/advocacy/privkey.pem", str(key))
    if config == "compose.conf":  # compose's service names resolve only inside compose's network
        text = text.replace("server app1:8080", "server 127.0.0.1:8080").replace("server app2:8080",
                                                                                 "server 127.0.0.1:8081")
    (tmp_path / "advocacy.conf").write_text(text)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  client_body_temp_path {tmp_path};\n  include {tmp_path}/advocacy.conf;\n}}\n")
    checked = subprocess.run(
        [nginx, "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "error.log")],
        capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def nginx_in_front(folder: Path, http_port: int, https_port: int, upstreams: tuple[int, int]) -> Path:
    """deploy/nginx/advocacy.conf as written, but on loopback ports a user may open, with a test certificate,
    and with every file nginx writes in ``folder``; returns the nginx.conf that includes it."""
    cert, key = self_signed(folder)
    text = (DEPLOY / "nginx" / "advocacy.conf").read_text()
    for old, new in [
        ("server 127.0.0.1:8080 ", f"server 127.0.0.1:{upstreams[0]} "),
        ("server 127.0.0.1:8081 ", f"server 127.0.0.1:{upstreams[1]} "),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:80;", ""),  # the test machine may have no IPv6
        ("listen [::]:443 ssl http2;", ""),
        ("/etc/ssl/advocacy/fullchain.pem", str(cert)),
        ("/etc/ssl/advocacy/privkey.pem", str(key)),
    ]:
        assert old in text, f"deploy/nginx/advocacy.conf no longer has {old!r}: change this test with it"
        text = text.replace(old, new)
    (folder / "advocacy.conf").write_text(text)
    temp_paths = ""
    for directive in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / directive).mkdir()
        temp_paths += f"  {directive}_temp_path {folder / directive};\n"
    conf = folder / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")  # as root, the workers would otherwise run as nobody
        + f"daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        + f"events {{}}\nhttp {{\n{temp_paths}  include {folder}/advocacy.conf;\n}}\n")
    return conf


async def start_nginx(conf: Path, port: int) -> asyncio.subprocess.Process:
    folder = conf.parent
    process = await asyncio.create_subprocess_exec(
        nginx_binary(), "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log"),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    for _ in range(200):
        if process.returncode is not None:
            break
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return process
        except OSError:
            await asyncio.sleep(0.05)
    await stop_process(process, signal.SIGQUIT)
    pytest.fail("nginx did not start:\n" + (folder / "error.log").read_text(errors="replace"))


async def start_service(data_dir: Path, port: int, env: dict[str, str], *extra: str) -> asyncio.subprocess.Process:
    """One `advocacy serve` as deploy/systemd runs it (--host 127.0.0.1 --port PORT), its output in a file."""
    with (data_dir.parent / f"serve-{port}.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            ADVOCACY, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir), *extra,
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env})
    await wait_until_serving(f"http://127.0.0.1:{port}", timeout=120)
    return process


async def sockets_open(http: aiohttp.ClientSession, port: int, token: str) -> int:
    """advocacy_connected_sockets from that process's /metrics, scraped directly as a monitoring host would."""
    async with http.get(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {token}"}) as resp:
        text = await resp.text()
        assert resp.status == 200, text
    return int(float(re.search(r"^advocacy_connected_sockets (\S+)$", text, re.M)[1]))


async def eventually(check, timeout: float = 20) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("not reached in time")
        await asyncio.sleep(0.1)


@pytest.fixture
async def redis(tmp_path):
    server = await start_redis(tmp_path)
    yield server
    await stop_process(server.process)


@pytest.mark.timeout(420)
async def test_nginx_carries_a_chat_over_websocket_between_two_processes_sharing_redis(
        tmp_path, redis, database_uri, database_name):
    http_port, https_port, one, two = (free_port() for _ in range(4))
    public = f"https://127.0.0.1:{https_port}"
    metrics_token = secrets.token_urlsafe(32)
    key_file = tmp_path / "keys" / "master.key"
    create_key_file(key_file)
    env = {"ADVOCACY_MONGODB_URI": database_uri, "ADVOCACY_DATABASE_NAME": database_name,
           "ADVOCACY_REDIS_URL": redis.url, "ADVOCACY_MASTER_KEY_FILE": str(key_file), "ADVOCACY_PUBLIC_URL": public,
           "ADVOCACY_SECURE_COOKIES": "true", "ADVOCACY_TRUSTED_PROXIES": "127.0.0.1",
           "ADVOCACY_METRICS_TOKEN": metrics_token,
           # no bots: the only sockets open are the test's, so /metrics shows which process holds each
           "ADVOCACY_BOTS_ENABLED": "false"}
    nginx_folder = tmp_path / "nginx"
    nginx_folder.mkdir()
    services: list[asyncio.subprocess.Process] = []
    nginx = None
    clients: list[socketio.AsyncClient] = []
    try:
        # One child and their advocate, with session tokens (quicker than the demo's seeding).
        seeding = await asyncio.create_subprocess_exec(
            ADVOCACY, "demo", "swarm-seed", "1", "--out", str(tmp_path / "pair.json"), "--data-dir",
            str(tmp_path / "seed"), stdout=asyncio.subprocess.PIPE, stderr=subprocess.STDOUT,
            env={**os.environ, **env})
        printed, _ = await asyncio.wait_for(seeding.communicate(), 120)
        assert seeding.returncode == 0, printed.decode(errors="replace")
        [pair] = json.loads((tmp_path / "pair.json").read_text())["pairs"]
        services.append(await start_service(tmp_path / "one", one, env))
        services.append(await start_service(tmp_path / "two", two, env))
        nginx = await start_nginx(nginx_in_front(nginx_folder, http_port, https_port, (one, two)), https_port)
        trusted = ssl.create_default_context(cafile=str(nginx_folder / "fullchain.pem"))

        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trusted)) as http:
            async with http.get(f"http://127.0.0.1:{http_port}/child/sign-in", allow_redirects=False) as resp:
                assert resp.status == 301 and resp.headers["Location"].startswith("https://")
            async with http.get(f"{public}/metrics", headers={"Authorization": f"Bearer {metrics_token}"}) as resp:
                assert resp.status == 404  # internal only: scraped on each process's own port
            async with http.get(f"{public}/child/sign-in") as resp:
                assert resp.status == 200 and resp.headers["Strict-Transport-Security"]

            async def through_nginx(token: str, origin: str = public) -> tuple[socketio.AsyncClient, list, int]:
                """A socket opened through nginx, what it receives, and the port of the process that holds it."""
                before = {port: await sockets_open(http, port, metrics_token) for port in (one, two)}
                sio = socketio.AsyncClient(reconnection=False, handle_sigint=False, http_session=http)
                clients.append(sio)
                received: list = []
                sio.on("message", received.append, namespace="/chat")
                await sio.connect(public, namespaces=["/chat"], auth={"token": token}, transports=["websocket"],
                                  headers={"Origin": origin}, wait_timeout=10)
                held: list[int] = []

                async def counted() -> bool:
                    held[:] = [port for port in (one, two)
                               if await sockets_open(http, port, metrics_token) == before[port] + 1]
                    return len(held) == 1

                await eventually(counted)
                return sio, received, held[0]

            kid, kid_screen, kid_port = await through_nginx(pair["child"]["token"])
            for _ in range(6):  # nginx takes turns between the two; a socket on the child's process is closed
                adult, adult_screen, adult_port = await through_nginx(pair["advocate"]["token"])
                if adult_port != kid_port:
                    break
                await adult.disconnect()

                async def closed(port: int = adult_port) -> bool:
                    return await sockets_open(http, port, metrics_token) == 1  # the child's alone

                await eventually(closed)
            assert {kid_port, adult_port} == {one, two}, "nginx sent every socket to one process"

            sent = await kid.call("send", {"conversation": pair["conversation"], "client_id": uuid.uuid4().hex,
                                           "text": "Can we talk about my review meeting?"},
                                  namespace="/chat", timeout=10)
            assert sent["ok"], sent

            async def advocate_has_it() -> bool:
                return any(m["id"] == sent["message"]["id"] for m in adult_screen)

            await eventually(advocate_has_it)
            [arrived] = [m for m in adult_screen if m["id"] == sent["message"]["id"]]
            assert arrived["text"] == "Can we talk about my review meeting?" and arrived["sender"]["role"] == "child"

            answered = await adult.call("send", {"conversation": pair["conversation"], "client_id": uuid.uuid4().hex,
                                                 "text": "Yes, let's plan what you want to say."},
                                        namespace="/chat", timeout=10)
            assert answered["ok"], answered

            async def child_has_it() -> bool:
                return any(m["id"] == answered["message"]["id"] for m in kid_screen)

            await eventually(child_has_it)

            # The origin check still holds behind the proxy: a page of another site cannot open a socket.
            with pytest.raises(socketio.exceptions.ConnectionError):
                await through_nginx(pair["child"]["token"], origin="https://evil.example")
    finally:
        for sio in clients:
            if sio.connected:
                await sio.disconnect()
        if nginx is not None:
            await stop_process(nginx, signal.SIGQUIT)  # nginx's graceful stop
        for process in services:
            await stop_process(process)
        store = await Store.connect(database_uri, database_name)
        await store.drop_database()
        await store.close()
    assert [process.returncode for process in services] == [0, 0], "a service did not stop cleanly"
