// A child or advocate as an independent JavaScript client would be: socket.io-client from npm.
// Usage: node chat_client.js URL TOKEN COMMANDS_JSON
// Runs the commands in order and prints one JSON line per result; exits 0 when all ran.
"use strict";
const path = require("path");
const { io } = require(path.join(__dirname, "../../../web/node_modules/socket.io-client"));

const [url, token, commandsJson] = process.argv.slice(2);
const commands = JSON.parse(commandsJson);
const received = [];

const socket = io(url + "/chat", { auth: { token }, transports: ["websocket"], reconnection: false });
socket.on("message", (m) => received.push(m));
socket.on("connect_error", (err) => {
  console.log(JSON.stringify({ connect_error: err.message, data: err.data || null }));
  process.exit(0);
});

function print(value) {
  console.log(JSON.stringify(value));
}

async function waitForMessages(count, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (received.length < count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return received.slice(0, count);
}

socket.on("connect", async () => {
  for (const command of commands) {
    if (command.wait_messages) {
      print({ received: await waitForMessages(command.wait_messages, 5000) });
    } else {
      print(await socket.timeout(5000).emitWithAck(command.event, command.data));
    }
  }
  socket.close();
  process.exit(0);
});
