"""The wheel, built from the project's files alone and installed into a fresh virtual environment, serves
the demo from any folder: templates, static files, config/, front-end files and catalogues travel with it."""

from __future__ import annotations

import asyncio
import html
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from babel.messages.pofile import read_po

from advocacy.demo.people import credentials_path
from advocacy.embedded_db import free_port
from advocacy.resources import VENDOR
from tests.integration.processes import stop_process, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
# Building needs setuptools and Babel from the package index; installing takes the locked versions (pip's cache
# makes a second run quicker). Slow, but it is the only test of what an operator's `pip install` gets.
pytestmark = pytest.mark.timeout(600)


def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=400,
                          check=False)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def albanian(english: str) -> str:
    with (ROOT / "advocacy" / "locale" / "sq" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        translated = read_po(po).get(english).string
    assert translated and translated != english
    return translated


def checkout_copy(into: Path) -> Path:
    """The project's files as a fresh clone after `make setup` has them: what git keeps (new files too, not the
    ignored ones: no .venv, web/node_modules, build/ or compiled catalogues), and the copied front-end files."""
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
    shutil.copytree(ROOT / "advocacy" / "_shipped" / "vendor", into / "advocacy" / "_shipped" / "vendor")
    assert not (into / "web" / "node_modules").exists() and not list(into.glob("advocacy/locale/*/*/*.mo"))
    return into


@pytest.fixture
def installed(tmp_path) -> Path:
    """A fresh virtual environment with the wheel and the embedded database installed; its bin folder."""
    clean = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    source = checkout_copy(tmp_path / "source")
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", tmp_path / "wheels", source,
        env=clean)
    [wheel] = (tmp_path / "wheels").glob("advocacy-*.whl")
    run(sys.executable, "-m", "venv", tmp_path / "env", env=clean)
    bin_dir = tmp_path / "env" / "bin"
    run(bin_dir / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "-c", ROOT / "requirements.lock", f"{wheel}[embedded]", env=clean)
    return bin_dir


async def test_the_installed_wheel_serves_the_demo_from_another_folder(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVOCACY_") and k not in {"PYTHONPATH",
                                                                                               "VIRTUAL_ENV"}}
    found = run(installed / "python", "-c", "import advocacy.resources as r; print(r.RESOURCES.templates)",
                cwd=elsewhere, env=env).strip()
    assert Path(found).is_relative_to(installed.parent), f"the package came from {found}, not the new environment"

    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = await asyncio.create_subprocess_exec(
            installed / "advocacy", "serve", "--demo", "--port", str(port), cwd=elsewhere, env=env,
            stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_until_serving(url, timeout=120)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{url}/child/sign-in") as resp:
                page = await resp.text()
                assert resp.status == 200, page
            css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', page)
            assert css, "the sign-in page links no versioned stylesheet"
            async with http.get(url + css[1]) as resp:
                assert resp.status == 200
                assert await resp.read() == (ROOT / "web" / "static" / "css" / "app.css").read_bytes()
            async with http.get(f"{url}/vendor/socket.io.min.js") as resp:
                assert resp.status == 200
                assert resp.headers["Content-Type"] == "text/javascript; charset=utf-8"
                assert await resp.read() == (ROOT / "web" / "node_modules" / VENDOR["socket.io.min.js"]).read_bytes()
            # The catalogues are compiled by the build: the page in Albanian.
            async with http.get(f"{url}/child/sign-in?lang=sq") as resp:
                assert resp.status == 200 and html.escape(albanian("Use the code your advocate gave you.")) in \
                    await resp.text()
        # The demo is seeded once the server answers, into a data folder where it was run.
        for _ in range(2400):
            if "demo-credentials.json" in log.read_text(errors="replace") or server.returncode is not None:
                break
            await asyncio.sleep(0.1)
        assert credentials_path(elsewhere / "var").is_file(), log.read_text(errors="replace")
    finally:
        await stop_process(server, signal.SIGTERM, timeout=60)
    printed = log.read_text(errors="replace")
    assert server.returncode == 0, printed
    assert "Stopping…" in printed
