/// <reference lib="dom" />
/**
 * The demo page's script (bundled for the browser by `bundle.ts`): connects to the server that
 * served the page over WebSocket, completes the Thing handshake against the key the page pins,
 * and echoes what the form sends. Everything it learns goes into the DOM.
 *
 * @module
 */

import { connect, type ThingClient } from "../../mod.ts";
import { fingerprint, readServerKey, thing } from "../../plugins/thing/mod.ts";
import { websocketClient } from "../../transports/websocket/client.ts";

const element = (id: string) => document.getElementById(id)!;
const show = (id: string, text: string) => (element(id).textContent = text);

function addEcho(text: string): void {
  const item = document.createElement("li");
  item.textContent = text;
  element("echoes").append(item);
}

async function start(): Promise<ThingClient> {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="thing-server-key"]');
  const serverKey = readServerKey(meta?.content ?? "")!;
  const secure = location.protocol === "https:";
  show("status", "connecting");
  const client = await connect({
    transport: websocketClient({ secure }),
    hostname: location.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: Number(location.port || (secure ? 443 : 80)),
    plugins: thing({ serverKey, implementation: "noble" }),
  });
  show("fingerprint", fingerprint(serverKey));
  show("session", String(client.session.id));
  show("status", "handshake done");
  client.on("message", ({ data }) => addEcho(new TextDecoder().decode(data)));
  client.on("close", () => show("status", "closed"));
  return client;
}

start().then((client) => {
  const form = element("send") as HTMLFormElement;
  const input = element("text") as HTMLInputElement;
  const button = form.querySelector("button")!;
  button.disabled = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    client.send(new TextEncoder().encode(input.value), { reliable: false })
      .catch((error: Error) => show("status", `send failed: ${error.message}`));
  });
  addEventListener("pagehide", () => void client.close());
}, (error: Error) => show("status", `failed: ${error.message}`));
