#!/usr/bin/env node
// A scenario runner on the official TypeScript MCP client, for the Go tests
// (testutil.RunTSClient). It connects to one URL, runs the steps in order and
// prints ONE JSON object on stdout. Failures are reported in that object
// (connectError, a step's error), never as a crash, so a test can assert on
// how a peer was refused. Only bad arguments exit non-zero.
//
// Usage: node client.mjs '<json>'   (or the JSON in $MCPNODE_CLIENT_ARGS)
//
// {
//   "url": "http://127.0.0.1:7860/everything/mcp",
//   "transport": "streamableHttp" | "sse",
//   "headers": {"Authorization": "Bearer ..."},   // sent on every HTTP request
//   "timeoutMs": 30000,                            // per request
//   "steps": [
//     {"op": "listTools"},
//     {"op": "callTool", "name": "echo", "arguments": {"message": "hi"}},
//     {"op": "callTool", "name": "trigger-long-running-operation",
//      "arguments": {"duration": 1, "steps": 4}, "progress": true},
//     {"op": "request", "method": "resources/list", "params": {}},
//     {"op": "ping"},
//     {"op": "sleep", "ms": 100},
//     {"op": "terminateSession"}                   // Streamable HTTP only
//   ]
// }
//
// Output (times are milliseconds since the script started, except a
// progress notification's atMs, which counts from the start of its call):
// {"connected", "connectError", "serverInfo", "protocolVersion", "sessionId",
//  "steps": [{"op", "ok", "error", "startMs", "endMs", "tools", "result",
//             "text", "progress": [{"progress", "total", "message", "atMs"}]}],
//  "notifications": [{"method", "params", "atMs"}],   // all but a call's own progress
//  "http": [{"method", "url", "status", "atMs"}],
//  "transportErrors": [{"name", "message", "code"}]}

import { performance } from "node:perf_hooks";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CallToolResultSchema, ResultSchema } from "@modelcontextprotocol/sdk/types.js";

const now = () => Math.round(performance.now() * 10) / 10;

function usage(message) {
  process.stderr.write(`client.mjs: ${message}\n`);
  process.exit(2);
}

function errorData(err) {
  const out = { name: err?.name ?? "Error", message: String(err?.message ?? err) };
  // McpError carries the JSON-RPC code (and data); the transports' HTTP
  // errors carry the HTTP status as code.
  if (err?.code !== undefined) out.code = err.code;
  if (err?.data !== undefined) out.data = err.data;
  return out;
}

function textOf(result) {
  if (!Array.isArray(result?.content)) return undefined;
  return result.content.filter((c) => c.type === "text").map((c) => c.text).join("\n");
}

let args;
try {
  args = JSON.parse(process.argv[2] ?? process.env.MCPNODE_CLIENT_ARGS ?? "");
} catch (err) {
  usage(`the argument must be a JSON object: ${err.message}`);
}
if (typeof args?.url !== "string") usage("url is required");
const transportName = args.transport ?? "streamableHttp";
const headers = args.headers ?? {};
const timeout = args.timeoutMs ?? 30000;
const steps = args.steps ?? [];

const out = { connected: false, steps: [], notifications: [], http: [] };

// Every request of either transport goes through here (the stream GETs,
// the POSTs, the DELETE): one place that adds the extra headers and notes
// each exchange.
const inFlight = new Set();
function recordingFetch(url, init = {}) {
  const p = doFetch(url, init);
  inFlight.add(p);
  p.then(
    () => inFlight.delete(p),
    () => inFlight.delete(p),
  );
  return p;
}
async function doFetch(url, init) {
  const h = new Headers(init.headers);
  for (const [k, v] of Object.entries(headers)) h.set(k, v);
  const entry = { method: init.method ?? "GET", url: String(url), atMs: now() };
  out.http.push(entry);
  try {
    const res = await fetch(url, { ...init, headers: h });
    entry.status = res.status;
    return res;
  } catch (err) {
    entry.error = String(err?.message ?? err);
    throw err;
  }
}

const url = new URL(args.url);
let transport;
if (transportName === "streamableHttp") {
  transport = new StreamableHTTPClientTransport(url, {
    fetch: recordingFetch,
    // A test wants to see a dropped stream, not a client that hides it.
    reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 },
  });
} else if (transportName === "sse") {
  transport = new SSEClientTransport(url, { fetch: recordingFetch });
} else {
  usage(`unknown transport ${JSON.stringify(transportName)} (want streamableHttp or sse)`);
}

// Notifications are taken off the wire, before the SDK sees them: the SDK
// handles a notification a microtask later than the response that follows
// it, so the last progress of a call can lose the race against the result
// and never reach onprogress. Watching the transport also times each
// arrival exactly.
const progressByToken = new Map();
let pendingProgress = null;
function observe(msg) {
  if (typeof msg?.method !== "string" || msg.id !== undefined) return;
  if (msg.method === "notifications/progress") {
    const p = progressByToken.get(msg.params?.progressToken);
    if (p) {
      p.list.push({ progress: msg.params.progress, total: msg.params.total, message: msg.params.message, atMs: Math.round((performance.now() - p.t0) * 10) / 10 });
      return;
    }
  }
  out.notifications.push({ method: msg.method, params: msg.params, atMs: now() });
}
let onmessage;
const wrappedOnmessage = (msg, extra) => {
  observe(msg);
  onmessage?.(msg, extra);
};
Object.defineProperty(transport, "onmessage", {
  configurable: true,
  get: () => onmessage && wrappedOnmessage,
  set: (fn) => {
    onmessage = fn;
  },
});
// The SDK picks the progressToken (the request id); learn it on the way out.
const send = transport.send.bind(transport);
transport.send = (msg, options) => {
  const token = msg?.params?._meta?.progressToken;
  if (pendingProgress && typeof msg?.method === "string" && token !== undefined) {
    progressByToken.set(token, pendingProgress);
    pendingProgress = null;
  }
  return send(msg, options);
};

const client = new Client({ name: "mcpgw-test-ts-client", version: "1.0.0" }, { capabilities: {} });
// The transport reports stream errors here; keep them instead of letting
// the SDK print to stderr.
const transportErrors = [];
client.onerror = (err) => transportErrors.push(errorData(err));

async function runStep(step) {
  const r = { op: step.op, ok: false, startMs: now() };
  try {
    switch (step.op) {
      case "listTools": {
        const tools = [];
        let cursor;
        do {
          const page = await client.listTools(cursor ? { cursor } : {}, { timeout });
          tools.push(...page.tools.map((t) => ({ name: t.name, description: t.description })));
          cursor = page.nextCursor;
        } while (cursor);
        r.tools = tools;
        break;
      }
      case "callTool": {
        const opts = { timeout };
        if (step.progress) {
          r.progress = [];
          pendingProgress = { list: r.progress, t0: performance.now() };
          // onprogress makes the SDK send a progressToken; observe() records.
          opts.onprogress = () => {};
          opts.resetTimeoutOnProgress = true;
        }
        r.result = await client.callTool({ name: step.name, arguments: step.arguments ?? {} }, CallToolResultSchema, opts);
        r.text = textOf(r.result);
        break;
      }
      case "request":
        r.result = await client.request({ method: step.method, params: step.params ?? {} }, ResultSchema, { timeout });
        break;
      case "ping":
        await client.ping({ timeout });
        break;
      case "sleep":
        await new Promise((resolve) => setTimeout(resolve, step.ms ?? 0));
        break;
      case "terminateSession":
        if (typeof transport.terminateSession !== "function") throw new Error("terminateSession needs the streamableHttp transport");
        await transport.terminateSession();
        break;
      default:
        throw new Error(`unknown op ${JSON.stringify(step.op)}`);
    }
    r.ok = true;
  } catch (err) {
    r.error = errorData(err);
  }
  pendingProgress = null;
  r.endMs = now();
  return r;
}

try {
  await client.connect(transport, { timeout });
  out.connected = true;
  out.serverInfo = client.getServerVersion();
  out.protocolVersion = transport.protocolVersion;
  out.sessionId = transport.sessionId;
} catch (err) {
  out.connectError = errorData(err);
}
if (out.connected) {
  for (const step of steps) out.steps.push(await runStep(step));
}
// On the legacy transport the answer travels on the SSE stream and can
// beat the 202 of its own POST: let such POSTs finish (briefly) so that
// closing does not abort them and the log shows their status.
// (A stream's fetch settles once its headers are in, so it is not waited for.)
await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => setTimeout(resolve, 1000))]);
try {
  await client.close();
} catch {
  // Closing a session the peer already dropped is not news.
}
if (transportErrors.length > 0) out.transportErrors = transportErrors;
process.stdout.write(JSON.stringify(out) + "\n");
// An SSE stream can keep the event loop alive after close in some SDK
// versions; the result is out, so leave.
process.exit(0);
