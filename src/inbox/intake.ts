import { cleanInput } from "../nlu/text.js";
import type { InboxWorker } from "./inbox-worker.js";
import type { Channel, Inbound } from "../core/model.js";
import type { InboxStore } from "../core/ports.js";

/**
 * The front door of the messenger channels: a webhook or a poller hands over
 * what it verified and parsed, and it is durably stored before the platform
 * gets its 2xx. Every method throws when the database fails, so the caller
 * answers 503 and the platform redelivers.
 */
export interface Intake {
  /** Stores a message (cleaned, capped) as pending and wakes the worker. `isNew: false` for a redelivery. */
  accept(inbound: Inbound, seq?: number): Promise<{ isNew: boolean }>;
  /** Keeps an authenticated event that cannot be processed, with the reason. */
  deadLetter(letter: { channel: Channel; externalId: string; sender?: string; conversation?: string; reason: string; body: string }): Promise<void>;
  /** Stores a delivery receipt; receipts are never answered. */
  recordStatus(status: { channel: Channel; messageId: string; status: string; recipient?: string; error?: string; at: Date }): Promise<void>;
}

export function createIntake(options: { inbox: InboxStore; worker?: Pick<InboxWorker, "notify">; maxMessageChars: number }): Intake {
  const { inbox, worker, maxMessageChars } = options;
  return {
    async accept(inbound, seq) {
      // NULs, control characters and lone surrogates go before the database sees them,
      // from the ids and the button value as much as from the text.
      const clean = cleanInput(inbound.text, maxMessageChars);
      const safe = {
        ...inbound,
        id: safeString(inbound.id),
        conversation: safeString(inbound.conversation),
        sender: safeString(inbound.sender),
        payload: inbound.payload === undefined ? undefined : safeString(inbound.payload),
        text: clean.text,
      };
      const result = await inbox.accept(safe, { seq, truncated: clean.truncated });
      if (result.isNew) worker?.notify(inbound.channel, inbound.conversation);
      return result;
    },
    deadLetter: (letter) =>
      inbox.deadLetter({
        ...letter,
        externalId: safeString(letter.externalId),
        sender: letter.sender === undefined ? undefined : safeString(letter.sender),
        conversation: letter.conversation === undefined ? undefined : safeString(letter.conversation),
        reason: safeString(letter.reason),
        body: cleanInput(letter.body, 20_000).text,
      }),
    recordStatus: (status) =>
      inbox.recordStatus({
        ...status,
        messageId: safeString(status.messageId),
        status: safeString(status.status),
        recipient: status.recipient === undefined ? undefined : safeString(status.recipient),
        error: status.error === undefined ? undefined : safeString(status.error),
      }),
  };
}

/** A platform id or value made storable: well-formed UTF-16, no NULs or control characters, bounded. */
function safeString(s: string): string {
  // eslint-disable-next-line no-control-regex
  return String(s).toWellFormed().replace(/[\u0000-\u001F\u007F]/g, "").slice(0, 1000);
}
