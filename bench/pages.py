"""The child's chat page on a slow phone connection: bytes transferred and time to interactive, cold cache.

    .venv/bin/python bench/pages.py            # 5 loads
    .venv/bin/python bench/pages.py --quick    # 2 loads
    .venv/bin/python bench/pages.py --down 400 --latency 400 --rounds 5

Starts the server on the embedded database in a temporary folder, with a child whose conversation holds 30
messages, then opens /child in Chromium (Debian's /usr/bin/chromium, through Playwright) with Chromium's own
network emulation (default 400 kbit/s down and up, 400 ms latency) and the cache off, each load in a fresh
browser context. It prints, as medians:

- bytes: what came over HTTP (the page, CSS, scripts; as encoded on the wire, headers included), and what
  the WebSocket carried until the page was interactive (connecting, the conversation, its messages);
- first paint: when the page's text first showed (first contentful paint);
- interactive: when the message box could be typed in and the latest messages were shown, from the start
  of navigation (the page's own clock).

Aims (issue 8): under 50 KB and under 3 seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

from aiohttp import ClientSession, web
from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from advocacy.auth.accounts import create_child, create_staff
from advocacy.bootstrap import build
from advocacy.clock import Clock
from advocacy.crypto import new_master_key
from advocacy.edge.app import init_app
from advocacy.edge.handlers import SESSION_COOKIE
from advocacy.embedded_db import EmbeddedDatabase
from advocacy.pairing.changes import pair_child
from advocacy.settings import load
from advocacy.store import Store

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]
PIN = "2468"


async def serve(folder: Path) -> tuple[web.AppRunner, Store, str, dict[str, str], EmbeddedDatabase]:
    db = await EmbeddedDatabase.start(folder)
    settings = load(environ={}).replace(mongodb_uri=db.uri, database_name="bench_pages", master_key=new_master_key())
    store = await Store.connect(db.uri, "bench_pages", 10)
    clock = Clock()
    services = build(settings, store, clock)
    app = init_app(services)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    await store.local_authorities.insert_one({"_id": "E08000035", "name": "Leeds",
                                              "region": "Yorkshire and The Humber"})
    advocate = await create_staff(store, clock, username="bench.advocate", password="x" * 12, name="Ada Advocate",
                                  role="advocate")
    child, code = await create_child(store, clock, name="Amira", la="E08000035")
    await pair_child(store, clock, child["_id"], advocate["_id"], "bench")
    for i in range(30):
        await services.chat.tell_child(child["_id"], f"A message of an ordinary length, number {i}, to fill the chat.",
                                          f"bench:{i}")
    async with ClientSession(base_url=url) as http:
        async with http.post("/api/session/child", json={"access_code": code.code, "pin": PIN,
                                                          "setup_word": code.setup_word}) as resp:
            token = (await resp.json())["token"]
    return runner, store, url, {"token": token}, db


async def one_load(browser, url: str, token: str, down_kbit: int, latency_ms: int) -> dict[str, float]:
    context = await browser.new_context(viewport={"width": 360, "height": 640})
    await context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": url}])
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.clearBrowserCache")
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    rate = down_kbit * 1000 / 8
    await cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": latency_ms, "downloadThroughput": rate, "uploadThroughput": rate})
    http_bytes: dict[str, float] = {}
    urls: dict[str, str] = {}
    ws_bytes = [0]
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"].split("?")[0]))
    cdp.on("Network.loadingFinished", lambda e: http_bytes.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.on("Network.webSocketFrameReceived",
           lambda e: ws_bytes.__setitem__(0, ws_bytes[0] + len(e["response"]["payloadData"])))
    cdp.on("Network.webSocketFrameSent",
           lambda e: ws_bytes.__setitem__(0, ws_bytes[0] + len(e["response"]["payloadData"])))
    await page.goto(url + "/child", wait_until="commit")
    interactive = await (await page.wait_for_function(
        """() => {
            const box = document.getElementById('message-input');
            const thread = document.getElementById('thread');
            return box && !box.disabled && thread.getAttribute('aria-busy') === 'false'
                && document.querySelectorAll('.msg').length > 0 && performance.now();
        }""", polling=20, timeout=60000)).json_value()
    paint = await page.evaluate("(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || 0")
    result = {"http": sum(http_bytes.values()), "ws": ws_bytes[0], "interactive": interactive, "paint": paint,
              "requests": len(http_bytes),
              "each": {urls.get(i, i).replace(url, ""): n for i, n in http_bytes.items()}}
    await context.close()
    return result


async def main(rounds: int, down_kbit: int, latency_ms: int) -> None:
    with tempfile.TemporaryDirectory(prefix="advocacy-bench-pages-") as folder:
        runner, store, url, session, db = await serve(Path(folder))
        try:
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
                await one_load(browser, url, session["token"], 100_000, 0)  # the server's first page is not the figure
                loads = [await one_load(browser, url, session["token"], down_kbit, latency_ms) for _ in range(rounds)]
                await browser.close()
        finally:
            await runner.cleanup()
            await store.drop_database()
            await store.close()
            await db.stop()

    def median(key: str) -> float:
        return statistics.median(load[key] for load in loads)

    print(f"child's chat page, {down_kbit} kbit/s, {latency_ms} ms latency, cold cache, median of {rounds} loads:")
    print(f"  bytes over HTTP      {median('http') / 1024:6.1f} KB in {median('requests'):.0f} requests"
          "   (aim: under 50 KB)")
    print(f"  bytes over WebSocket {median('ws') / 1024:6.1f} KB until interactive (30 messages)")
    print(f"  first paint          {median('paint') / 1000:6.2f} s")
    print(f"  interactive          {median('interactive') / 1000:6.2f} s   (aim: under 3 s)")
    each = ", ".join(f"{load['interactive'] / 1000:.2f}" for load in loads)
    print(f"  interactive, each    {each} s")
    print("  bytes per request (first load): " + ", ".join(
        f"{path} {n / 1024:.1f} KB" for path, n in sorted(loads[0]["each"].items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 loads instead of 5")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--down", type=int, default=400, help="kbit/s, down and up (default 400)")
    parser.add_argument("--latency", type=int, default=400, help="ms (default 400)")
    args = parser.parse_args()
    asyncio.run(main(args.rounds or (2 if args.quick else 5), args.down, args.latency))
