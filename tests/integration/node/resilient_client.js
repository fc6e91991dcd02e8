// An independent client as a phone would be: socket.io-client from npm, reconnecting by itself.
// Usage: node resilient_client.js URLS(comma-separated) TOKEN CONVERSATION COUNT INTERVAL_MS
// Sends COUNT messages, each retried with the same client_id until acknowledged; keeps every
// message it receives (once per id). Prints one JSON line: {acked, received, errors} and exits 0.
"use strict";
const path = require("path");
const { io } = require(path.join(__dirname, "../../../web/node_modules/socket.io-client"));

const [urls, token, conversation, count, interval] = process.argv.slice(2);
const servers = urls.split(",");
let current = 0;
const acked = [];
const received = new Map();
const errors = {};
let socket = null;

function open() {
  socket = io(servers[current % servers.length] + "/chat", {
    auth: { token }, transports: ["websocket"], reconnection: false, timeout: 5000,
  });
  socket.on("message", (m) => { if (!received.has(m.id)) received.set(m.id, m); });
  socket.on("connect", async () => {
    // catch up on anything sent while away (the test's conversations stay under 200 messages)
    const ack = await socket.timeout(5000).emitWithAck("history", { conversation, limit: 200 }).catch(() => null);
    if (ack && ack.ok) ack.messages.forEach((m) => { if (!received.has(m.id)) received.set(m.id, m); });
  });
  const again = () => { current += 1; setTimeout(open, 200 + Math.random() * 300); };
  socket.on("disconnect", again);
  socket.on("connect_error", again);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function send(i) {
  const clientId = `js-${process.pid}-${i}`;
  for (let attempt = 0; attempt < 400; attempt += 1) {
    if (socket && socket.connected) {
      try {
        const ack = await socket.timeout(5000).emitWithAck("send", { conversation, client_id: clientId, text: `from js ${i}` });
        if (ack.ok) { acked.push(clientId); return; }
        errors[ack.error.code] = (errors[ack.error.code] || 0) + 1;
      } catch (e) {
        errors.timeout = (errors.timeout || 0) + 1;
      }
    }
    await sleep(250);
  }
}

(async () => {
  open();
  for (let i = 0; i < Number(count); i += 1) {
    await send(i);
    await sleep(Number(interval));
  }
  await sleep(1500);
  console.log(JSON.stringify({ acked, received: Array.from(received.values()), errors }));
  socket.close();
  process.exit(0);
})();
