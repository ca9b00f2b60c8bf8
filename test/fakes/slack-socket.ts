import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";

/**
 * The WebSocket end of Slack's Socket Mode, small enough to read: the RFC 6455
 * handshake, unmasked text frames out, masked frames in (acks, pings, close).
 * `apps.connections.open` on the fake Web API hands out `url`.
 */
export interface FakeSlackSocket {
  readonly url: string;
  /** Envelopes acknowledged by the app (`{ envelope_id, payload? }`). */
  readonly acks: { envelope_id: string }[];
  /** Resolves once an app is connected and has been sent `hello`. */
  connected(): Promise<void>;
  /** Sends an Events API payload as Slack would over the socket; returns the envelope id. */
  sendEvent(payload: object): string;
  close(): Promise<void>;
}

export async function startFakeSlackSocket(): Promise<FakeSlackSocket> {
  const acks: { envelope_id: string }[] = [];
  const sockets = new Set<Duplex>();
  let envelopes = 0;
  let onConnect: (() => void)[] = [];
  let isConnected = false;
  const server = http.createServer((_req, res) => res.writeHead(426).end());
  server.on("upgrade", (req, socket: Duplex) => {
    const key = String(req.headers["sec-websocket-key"] ?? "");
    const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => sockets.delete(socket));
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const frame = readFrame(buffered);
        if (!frame) break;
        buffered = buffered.subarray(frame.size);
        if (frame.opcode === 0x1) acks.push(JSON.parse(frame.payload.toString("utf8")) as { envelope_id: string });
        else if (frame.opcode === 0x9) socket.write(frameOf(frame.payload, 0xa));
        else if (frame.opcode === 0x8) socket.end(frameOf(Buffer.alloc(0), 0x8));
      }
    });
    socket.write(frameOf(Buffer.from(JSON.stringify({ type: "hello", num_connections: 1, debug_info: { host: "fake", approximate_connection_time: 3600 }, connection_info: { app_id: "AFAKE" } })), 0x1));
    isConnected = true;
    for (const f of onConnect) f();
    onConnect = [];
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/link`,
    acks,
    connected: () => (isConnected ? Promise.resolve() : new Promise((resolve) => onConnect.push(resolve))),
    sendEvent(payload) {
      const id = `env-${++envelopes}`;
      const envelope = { envelope_id: id, type: "events_api", accepts_response_payload: false, retry_attempt: 0, retry_reason: "", payload };
      for (const s of sockets) s.write(frameOf(Buffer.from(JSON.stringify(envelope)), 0x1));
      return id;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A server frame: FIN set, no mask. */
function frameOf(payload: Buffer, opcode: number): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 65_536 ? Buffer.from([0x80 | opcode, 126, n >> 8, n & 0xff]) : Buffer.concat([Buffer.from([0x80 | opcode, 127]), bigLength(n)]);
  return Buffer.concat([head, payload]);
}

function bigLength(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** One client frame (masked), or null until it has all arrived. */
function readFrame(b: Buffer): { opcode: number; payload: Buffer; size: number } | null {
  if (b.length < 2) return null;
  const opcode = (b[0] as number) & 0x0f;
  const masked = ((b[1] as number) & 0x80) !== 0;
  let length = (b[1] as number) & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (b.length < 4) return null;
    length = b.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (b.length < 10) return null;
    length = Number(b.readBigUInt64BE(2));
    offset = 10;
  }
  const mask = masked ? b.subarray(offset, offset + 4) : null;
  if (masked) offset += 4;
  if (b.length < offset + length) return null;
  const payload = Buffer.from(b.subarray(offset, offset + length));
  if (mask) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
  return { opcode, payload, size: offset + length };
}
