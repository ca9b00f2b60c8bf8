import { createApi, messageId, type ReplyMessage } from "./api.js";
import { renderText } from "./dom.js";
import { safeHref } from "./format.js";
import { STYLES } from "./styles.js";

/**
 * The rotabot web chat widget, from one script tag:
 *   <script src="https://BOT/webchat/widget.js" data-privacy-url="..." defer></script>
 * A launcher button opens a panel in a shadow root (the page's CSS and ours
 * stay apart). The visitor's anonymous token lives in localStorage (no
 * cookies), so a reload or a second tab goes on with the same conversation.
 * Replies come over Server-Sent Events and are shown once each, by their stamp.
 */

const script = document.currentScript as HTMLScriptElement | null;
const flag = window as unknown as { __rotabotWebchat?: boolean };
if (script && !flag.__rotabotWebchat) {
  flag.__rotabotWebchat = true;
  if (document.body) start(script);
  else document.addEventListener("DOMContentLoaded", () => start(script));
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function start(script: HTMLScriptElement) {
  const data = script.dataset;
  const base = (data.server ?? new URL(script.src, location.href).origin).replace(/\/+$/, "");
  const api = createApi(base);
  const label = {
    title: data.title ?? "Ask rotabot",
    notice: data.notice ?? "Answers are automated, from a knowledge base reviewed by counselors. Not medical advice.",
    privacy: data.privacyLabel ?? "Privacy",
    placeholder: data.placeholder ?? "Type your question…",
    send: "Send",
    open: "Open the chat",
    close: "Close the chat",
    typing: "rotabot is typing",
    reconnecting: "Connection lost. Reconnecting…",
    tooFast: "You're sending messages quickly. Please wait a moment and send it again.",
    failed: "Your message could not be sent. Check your connection and try again.",
  };
  const privacyUrl = data.privacyUrl ? safeHref(new URL(data.privacyUrl, location.href).href) : undefined;

  // --- storage: the token and the last reply shown, shared by the tabs of this site ---
  const key = `rotabot-webchat:${base}`;
  const memory: Record<string, string> = {};
  const read = (): { token?: string; last?: number } => {
    try {
      return JSON.parse(localStorage.getItem(key) ?? memory[key] ?? "{}") as { token?: string; last?: number };
    } catch {
      return {};
    }
  };
  const write = (v: { token?: string; last?: number }) => {
    const s = JSON.stringify(v);
    try {
      localStorage.setItem(key, s);
    } catch {
      memory[key] = s;
    }
  };

  // --- the UI ---
  const host = el("div", { id: "rotabot-webchat" });
  const root = host.attachShadow({ mode: "open" });
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet !== "undefined" && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
    root.adoptedStyleSheets = [sheet];
  } else root.append(el("style", {}, STYLES));
  if (data.color && /^#[0-9a-f]{3,8}$/i.test(data.color)) host.style.setProperty("--rb-accent", data.color);

  const launcher = el("button", { type: "button", class: "launcher", "aria-label": label.open, "aria-expanded": "false", "aria-controls": "rb-panel" });
  launcher.append(chatIcon());
  const badge = el("span", { class: "badge", "aria-hidden": "true" });
  badge.hidden = true;
  launcher.append(badge);
  const panel = el("div", { id: "rb-panel", class: "panel", role: "dialog", "aria-labelledby": "rb-title" });
  panel.hidden = true;
  const header = el("header");
  const close = el("button", { type: "button", class: "close", "aria-label": label.close }, "×");
  header.append(el("h2", { id: "rb-title" }, label.title), close);
  const notice = el("p", { class: "notice" }, `${label.notice} `);
  if (privacyUrl) notice.append(el("a", { href: privacyUrl, target: "_blank", rel: "noopener noreferrer" }, label.privacy));
  const log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": label.title, tabindex: "0" });
  const typing = el("div", { class: "typing", role: "status" });
  typing.append(el("span", { "aria-hidden": "true" }), el("span", { "aria-hidden": "true" }), el("span", { "aria-hidden": "true" }), el("span", { class: "sr" }, label.typing));
  typing.hidden = true;
  const quick = el("div", { class: "quick", role: "group", "aria-label": "Suggested replies" });
  const form = el("form");
  const input = el("textarea", { rows: "1", "aria-label": label.placeholder, placeholder: label.placeholder, maxlength: "2000" });
  form.append(input, el("button", { type: "submit", class: "send" }, label.send));
  panel.append(header, notice, log, quick, form);
  root.append(launcher, panel);
  document.body.append(host);

  // --- state ---
  let token = read().token;
  let last = read().last ?? 0;
  const shown = new Set<number>();
  let unread = 0;
  /** Replies that arrived live, so that a reply faster than its message's acknowledgement leaves no typing dots. */
  let arrived = 0;
  let stream: EventSource | undefined;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let started = false;
  const tabs = typeof BroadcastChannel === "function" ? new BroadcastChannel(key) : undefined;

  const scroll = () => (log.scrollTop = log.scrollHeight);
  const add = (node: HTMLElement) => {
    log.insertBefore(node, typing.parentNode === log ? typing : null);
    scroll();
    return node;
  };
  log.append(typing);
  const addVisitor = (text: string) => add(el("div", { class: "msg visitor" }, text));
  const addSystem = (text: string) => add(el("div", { class: "msg system" }, text));
  const showTyping = (on: boolean) => {
    clearTimeout(typingTimer);
    typing.hidden = !on;
    // A turn that never answers (an outage) must not leave the dots forever.
    if (on) typingTimer = setTimeout(() => (typing.hidden = true), 20_000);
    scroll();
  };
  const setQuick = (reply?: ReplyMessage) => {
    quick.replaceChildren();
    for (const q of reply?.quickReplies ?? []) {
      const b = el("button", { type: "button" }, q.title);
      b.addEventListener("click", () => void send(q.title, q.payload));
      quick.append(b);
    }
  };
  const addBot = (r: ReplyMessage, live: boolean) => {
    if (shown.has(r.seq)) return;
    shown.add(r.seq);
    const bubble = el("div", { class: "msg bot" });
    bubble.append(renderText(document, r.text));
    add(bubble);
    if (r.seq >= last) {
      last = r.seq;
      write({ token, last });
      setQuick(r);
    }
    if (live) {
      arrived++;
      showTyping(false);
      // A long answer is read from its start: its first line goes to the top of the log, not its last to the bottom.
      const above = bubble.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
      if (above < 0) log.scrollTop += above;
      if (panel.hidden) {
        unread++;
        badge.textContent = String(unread);
        badge.hidden = false;
      }
    }
  };

  async function restore() {
    if (!token) return;
    const h = await api.history(token).catch(() => undefined);
    if (h === null) {
      token = undefined;
      write({});
      return;
    }
    if (h) {
      for (const m of h.messages) if (m.from === "visitor") addVisitor(m.text); else addBot(m, false);
      last = Math.max(last, h.last);
    }
    connect();
  }

  function connect() {
    if (!token) return;
    stream?.close();
    const es = new EventSource(api.streamUrl(token, last));
    stream = es;
    let lost: HTMLElement | undefined;
    es.addEventListener("reply", (ev) => addBot(JSON.parse((ev as MessageEvent<string>).data) as ReplyMessage, true));
    es.addEventListener("typing", () => showTyping(true));
    es.addEventListener("open", () => {
      lost?.remove();
      lost = undefined;
    });
    es.addEventListener("error", () => {
      if (!lost && !panel.hidden) lost = addSystem(label.reconnecting);
      // The browser retries by itself (with Last-Event-ID) unless the server refused the stream.
      if (es.readyState === EventSource.CLOSED && stream === es) setTimeout(() => stream === es && connect(), 3000);
    });
  }

  async function ensureSession(): Promise<boolean> {
    if (token) return true;
    try {
      token = await api.session();
      last = 0;
      write({ token, last });
      connect();
      return true;
    } catch {
      addSystem(label.failed);
      return false;
    }
  }

  async function send(text: string, payload?: string) {
    if (!(await ensureSession())) return;
    const bubble = text ? addVisitor(text) : undefined;
    bubble?.classList.add("pending");
    if (text) tabs?.postMessage({ sent: text });
    setQuick();
    const before = arrived;
    let outcome = await api.send(token as string, { id: messageId(), text, payload });
    if (outcome === "bad_token") {
      token = undefined;
      outcome = (await ensureSession()) ? await api.send(token as unknown as string, { id: messageId(), text, payload }) : "failed";
    }
    if (outcome === "sent") {
      bubble?.classList.remove("pending");
      if (arrived === before) showTyping(true);
      return;
    }
    bubble?.remove();
    if (text && !payload && !input.value) input.value = text;
    addSystem(outcome === "rate_limited" ? label.tooFast : label.failed);
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    unread = 0;
    badge.hidden = true;
    input.focus();
    scroll();
    // The first time ever: the welcome, asked for with /start as the messengers do.
    if (!token && !started) {
      started = true;
      void send("", "/start");
    }
  }
  function hide() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", () => (panel.hidden ? open() : hide()));
  close.addEventListener("click", hide);
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      hide();
    }
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    void send(text);
  });
  tabs?.addEventListener("message", (e: MessageEvent<{ sent?: unknown }>) => {
    if (typeof e.data?.sent === "string") addVisitor(e.data.sent);
  });
  window.addEventListener("online", () => {
    if (token && stream?.readyState === EventSource.CLOSED) connect();
  });
  if (data.open === "true") open();
  void restore();
}

/** A speech bubble, drawn (an emoji would depend on the visitor's fonts). */
function chatIcon(): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "28");
  svg.setAttribute("height", "28");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("fill", "currentColor");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z");
  svg.append(path);
  return svg;
}
