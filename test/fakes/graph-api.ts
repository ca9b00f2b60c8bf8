import type http from "node:http";
import { FaultBook, parseBody, sendJson, sendRaw, startFakeHttpServer } from "./fake-server.js";

/**
 * A fake WhatsApp Cloud API (Graph) on 127.0.0.1. Our client POSTs to
 * `${fake.url}/v21.0/${fake.phoneNumberId}/messages`. It checks the bearer
 * token, validates messages against the Cloud API limits (so a test can assert
 * zero 400s), emulates the 24-hour customer-service window, and injects faults.
 */

/** Which sends a fault hits: all, or those to one wa_id; `times` uses (default: until cleared). */
interface FaultScope {
  to?: string;
  times?: number;
}

/** A fault to inject; the first matching fault decides the answer. */
export type GraphFault =
  /** HTTP 429 with a Retry-After header; code 130429 (throughput) by default, 4 (app limit) or 131056 (pair limit). */
  | ({ kind: "429"; retryAfter: number; code?: 4 | 130429 | 131056 } & FaultScope)
  /** 500 and 503 answer Graph's JSON error (transient); 502 answers an HTML page like a failing proxy. */
  | ({ kind: "5xx"; status?: 500 | 502 | 503 } & FaultScope)
  /** Waits, then answers normally. */
  | ({ kind: "slow"; ms: number } & FaultScope)
  /** Never answers (until refuse() or close()). */
  | ({ kind: "hang" } & FaultScope)
  /** 200 with a body that is not JSON. */
  | ({ kind: "malformed" } & FaultScope);

/**
 * One request as the fake saw it. `status` is 0 while unanswered (hung
 * requests keep it), 499 when the client or refuse()/close() dropped the
 * connection before the answer.
 */
export interface GraphCall {
  path: string;
  // `any` on purpose: assertions dig into request bodies freely.
  body: any;
  at: number;
  status: number;
}

/** A message body the fake accepted. */
export interface GraphMessage {
  messaging_product: "whatsapp";
  to: string;
  type?: string;
  [field: string]: unknown;
}

/** A delivery status the fake would send by webhook (used when window errors are asynchronous). */
export interface GraphStatus {
  id: string;
  status: "failed";
  timestamp: string;
  recipient_id: string;
  errors: { code: number; title: string; message: string; error_data: { details: string } }[];
}

/** Options for {@link startFakeGraph}. */
export interface FakeGraphOptions {
  accessToken?: string;
  phoneNumberId?: string;
  /** Graph API version in the path; default "v21.0". */
  version?: string;
  /** Emulate the 24-hour customer-service window; default true. */
  enforceWindow?: boolean;
  /**
   * How a send outside the window fails. "reject" (default): HTTP 400 with code
   * 131047. "status": HTTP 200 with a wamid and a failed status recorded in
   * `statuses`, which is what the real Cloud API usually does (the error
   * arrives later by webhook).
   */
  windowErrors?: "reject" | "status";
}

/** The handle tests hold on the fake Graph API. */
export interface FakeGraph {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly accessToken: string;
  readonly phoneNumberId: string;
  readonly version: string;
  /** `${url}/${version}/${phoneNumberId}/messages`. */
  readonly messagesUrl: string;
  readonly calls: GraphCall[];
  /** Failed statuses for sends outside the window (only with `windowErrors: "status"`). */
  readonly statuses: GraphStatus[];
  enforceWindow: boolean;
  /** Successful message bodies in order (read receipts excluded), optionally to one wa_id. */
  sent(to?: string): GraphMessage[];
  /** Records the student's last inbound message time, which opens the 24-hour window. */
  noteInbound(waId: string, at?: Date): void;
  /** Sets the fake's clock for the window check; without an argument, back to real time. */
  setNow(date?: Date): void;
  fault(fault: GraphFault): void;
  clearFaults(): void;
  /** Stops listening (ECONNREFUSED) until accept(), which listens on the same port. */
  refuse(): Promise<void>;
  accept(): Promise<void>;
  /** Clears the call log and statuses only. */
  clearLog(): void;
  /** Back to a fresh fake on the same port: log, faults, inbound times, clock. */
  reset(): void;
  close(): Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

type Failure = { status: number; code: number; message: string; subcode?: number; details?: string };

/** Starts the fake Graph API on a random port. */
export async function startFakeGraph(options: FakeGraphOptions = {}): Promise<FakeGraph> {
  const accessToken = options.accessToken ?? "FAKE-GRAPH-ACCESS-TOKEN";
  const phoneNumberId = options.phoneNumberId ?? "100000000000001";
  const version = options.version ?? "v21.0";
  const calls: GraphCall[] = [];
  const statuses: GraphStatus[] = [];
  const faults = new FaultBook<GraphFault>();
  let lastInbound = new Map<string, number>();
  let fixedNow: number | undefined;
  let wamids = 0;
  let traces = 0;
  const now = () => fixedNow ?? Date.now();

  const server = await startFakeHttpServer(handle);

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer): Promise<void> {
    const body = parseBody(req, raw);
    const call: GraphCall = { path: req.url ?? "", body: body ?? raw.toString("utf8"), at: Date.now(), status: 0 };
    calls.push(call);
    const answer = (status: number, payload: unknown, headers?: Record<string, string>) => {
      call.status = sendJson(res, status, payload, headers);
    };
    const error = (f: Failure, headers?: Record<string, string>) =>
      answer(f.status, {
        error: {
          message: f.message,
          type: "OAuthException",
          code: f.code,
          ...(f.subcode !== undefined ? { error_subcode: f.subcode } : {}),
          ...(f.details ? { error_data: { messaging_product: "whatsapp", details: f.details } } : {}),
          fbtrace_id: `AFakeTrace${++traces}`,
        },
      }, headers);

    const auth = req.headers.authorization;
    if (auth !== `Bearer ${accessToken}`) {
      return error({ status: 401, code: 190, message: "Invalid OAuth access token - Cannot parse access token" });
    }
    const path = /^\/([^/]+)\/([^/?]+)\/messages\/?(?:\?.*)?$/.exec(call.path);
    if (req.method !== "POST" || !path || path[1] !== version) {
      return error({ status: 400, code: 100, message: `Unknown path components: ${call.path}` });
    }
    if (path[2] !== phoneNumberId) {
      return error({
        status: 400, code: 100, subcode: 33,
        message: `Unsupported post request. Object with ID '${path[2] ?? ""}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      });
    }
    if (!body) return error({ status: 400, code: 100, message: "(#100) Invalid JSON in the request body" });

    const fault = faults.take((f) => f.to === undefined || f.to === body.to);
    switch (fault?.kind) {
      case "429": {
        const code = fault.code ?? 130429;
        const message = code === 4 ? "(#4) Application request limit reached"
          : code === 131056 ? "(#131056) (Business Account, Consumer Account) pair rate limit hit"
          : "(#130429) Rate limit hit";
        return error({ status: 429, code, message }, { "retry-after": String(fault.retryAfter) });
      }
      case "5xx":
        if (fault.status === 502) {
          call.status = sendRaw(res, 502, "<html><body><h1>502 Bad Gateway</h1></body></html>", { "content-type": "text/html" });
          return;
        }
        return fault.status === 503
          ? error({ status: 503, code: 2, message: "Service temporarily unavailable" })
          : error({ status: 500, code: 1, message: "An unknown error has occurred." });
      case "hang":
        return server.hang();
      case "malformed":
        call.status = sendRaw(res, 200, '{"messaging_product":"whatsapp","messages":[{"id":', { "content-type": "application/json" });
        return;
      case "slow":
        await server.wait(fault.ms);
        break;
    }

    const invalid = validateMessage(body);
    if (invalid) return error({ status: 400, code: 100, message: `(#100) Invalid parameter: ${invalid}`, details: invalid });
    if (body.status === "read") return answer(200, { success: true });

    const waId = digits(String(body.to));
    const wamid = `wamid.FAKE${++wamids}`;
    const last = lastInbound.get(waId);
    if (facade.enforceWindow && body.type !== "template" && (last === undefined || now() - last > DAY_MS)) {
      const details = "Message failed to send because more than 24 hours have passed since the customer last replied to this number.";
      if ((options.windowErrors ?? "reject") === "reject") {
        return error({ status: 400, code: 131047, message: "(#131047) Re-engagement message", details });
      }
      statuses.push({
        id: wamid, status: "failed", timestamp: String(Math.floor(now() / 1000)), recipient_id: waId,
        errors: [{ code: 131047, title: "Re-engagement message", message: "Re-engagement message", error_data: { details } }],
      });
    }
    answer(200, {
      messaging_product: "whatsapp",
      contacts: [{ input: String(body.to), wa_id: waId }],
      messages: [{ id: wamid, ...(body.type === "template" ? { message_status: "accepted" } : {}) }],
    });
  }

  const facade: FakeGraph = {
    url: server.url,
    accessToken,
    phoneNumberId,
    version,
    messagesUrl: `${server.url}/${version}/${phoneNumberId}/messages`,
    calls,
    statuses,
    enforceWindow: options.enforceWindow ?? true,
    sent(to) {
      return calls
        .filter((c) => c.status === 200 && typeof c.body === "object" && c.body.status !== "read" && (to === undefined || digits(String(c.body.to)) === digits(to)))
        .map((c) => c.body as GraphMessage);
    },
    noteInbound(waId, at = new Date(now())) {
      lastInbound.set(digits(waId), at.getTime());
    },
    setNow(date) {
      fixedNow = date?.getTime();
    },
    fault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    refuse: () => server.refuse(),
    accept: () => server.accept(),
    clearLog,
    reset() {
      clearLog();
      faults.clear();
      lastInbound = new Map();
      fixedNow = undefined;
    },
    close: () => server.close(),
  };
  function clearLog() {
    calls.length = 0;
    statuses.length = 0;
  }
  return facade;
}

function digits(waId: string): string {
  return waId.replace(/\D/g, "");
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
/** Meta counts characters; code points are the closest reading (an emoji is one). */
const chars = (v: unknown) => (typeof v === "string" ? [...v].length : -1);
const within = (v: unknown, min: number, max: number) => chars(v) >= min && chars(v) <= max;

/**
 * Checks a send request against the Cloud API limits (INTEGRATION.md §3).
 * Returns what is wrong, or undefined when the real API would accept it.
 */
export function validateMessage(b: Json): string | undefined {
  if (b.messaging_product !== "whatsapp") return 'messaging_product must be "whatsapp"';
  if (b.status === "read") return typeof b.message_id === "string" ? undefined : "message_id is required to mark a message as read";
  if (typeof b.to !== "string" || !/^\+?[\d ()-]{5,20}$/.test(b.to)) return "to must be a phone number or wa_id string";
  if (b.recipient_type !== undefined && b.recipient_type !== "individual") return 'recipient_type must be "individual"';
  const type = b.type ?? "text";
  const payload = b[String(type)];
  if (!isObject(payload)) return `${String(type)} object is required for type ${String(type)}`;
  switch (type) {
    case "text":
      return within(payload.body, 1, 4096) ? undefined : "text.body must be 1..4096 characters";
    case "interactive":
      return validateInteractive(payload);
    case "template":
      if (typeof payload.name !== "string" || payload.name === "") return "template.name is required";
      return isObject(payload.language) && typeof payload.language.code === "string" ? undefined : "template.language.code is required";
    case "image": case "audio": case "video": case "document": case "sticker":
      return typeof payload.id === "string" || typeof payload.link === "string" ? undefined : `${type}.id or ${type}.link is required`;
    case "reaction":
      return typeof payload.message_id === "string" && typeof payload.emoji === "string" ? undefined : "reaction needs message_id and emoji";
    case "location":
      return typeof payload.latitude === "number" && typeof payload.longitude === "number" ? undefined : "location needs latitude and longitude";
    default:
      return `unsupported message type ${String(type)}`;
  }
}

function validateInteractive(i: Json): string | undefined {
  const body = isObject(i.body) ? i.body.text : undefined;
  const action = isObject(i.action) ? i.action : undefined;
  if (i.header !== undefined) {
    if (!isObject(i.header)) return "interactive.header must be an object";
    if (i.header.type === "text" && !within(i.header.text, 1, 60)) return "interactive.header.text must be 1..60 characters";
  }
  if (i.footer !== undefined && !(isObject(i.footer) && within(i.footer.text, 1, 60))) return "interactive.footer.text must be 1..60 characters";
  if (!action) return "interactive.action is required";
  switch (i.type) {
    case "button": {
      if (!within(body, 1, 1024)) return "interactive.body.text must be 1..1024 characters for buttons";
      const buttons = action.buttons;
      if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3) return "interactive.action.buttons must hold 1..3 buttons";
      const ids = new Set<string>();
      const titles = new Set<string>();
      for (const [n, button] of buttons.entries()) {
        const reply = isObject(button) && button.type === "reply" && isObject(button.reply) ? button.reply : undefined;
        if (!reply) return `buttons[${n}] must be { type: "reply", reply: { id, title } }`;
        if (!within(reply.title, 1, 20)) return `buttons[${n}].reply.title must be 1..20 characters`;
        if (!within(reply.id, 1, 256) || String(reply.id).trim() !== reply.id) return `buttons[${n}].reply.id must be 1..256 characters without outer spaces`;
        if (ids.has(String(reply.id)) || titles.has(String(reply.title))) return "button ids and titles must be unique";
        ids.add(String(reply.id));
        titles.add(String(reply.title));
      }
      return undefined;
    }
    case "list": {
      if (!within(body, 1, 4096)) return "interactive.body.text must be 1..4096 characters for lists";
      if (!within(action.button, 1, 20)) return "interactive.action.button must be 1..20 characters";
      const sections = action.sections;
      if (!Array.isArray(sections) || sections.length < 1 || sections.length > 10) return "interactive.action.sections must hold 1..10 sections";
      const ids = new Set<string>();
      let rows = 0;
      for (const [s, section] of sections.entries()) {
        if (!isObject(section) || !Array.isArray(section.rows) || section.rows.length === 0) return `sections[${s}].rows must be a non-empty array`;
        if (section.title !== undefined || sections.length > 1) {
          if (!within(section.title, 1, 24)) return `sections[${s}].title must be 1..24 characters (required with several sections)`;
        }
        for (const [r, row] of section.rows.entries()) {
          rows += 1;
          if (!isObject(row)) return `sections[${s}].rows[${r}] must be an object`;
          if (!within(row.id, 1, 200)) return `sections[${s}].rows[${r}].id must be 1..200 characters`;
          if (!within(row.title, 1, 24)) return `sections[${s}].rows[${r}].title must be 1..24 characters`;
          if (row.description !== undefined && !within(row.description, 0, 72)) return `sections[${s}].rows[${r}].description must be at most 72 characters`;
          if (ids.has(String(row.id))) return "row ids must be unique";
          ids.add(String(row.id));
        }
      }
      return rows <= 10 ? undefined : "a list holds at most 10 rows in total";
    }
    case "cta_url": {
      const parameters = isObject(action.parameters) ? action.parameters : {};
      if (!within(body, 1, 1024)) return "interactive.body.text must be 1..1024 characters";
      if (!within(parameters.display_text, 1, 20)) return "action.parameters.display_text must be 1..20 characters";
      return typeof parameters.url === "string" ? undefined : "action.parameters.url is required";
    }
    default:
      return `unsupported interactive type ${String(i.type)}`;
  }
}
