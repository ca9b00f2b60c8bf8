import { cleanInput } from "../nlu/text.js";
import type { InboxWorker } from "./inbox-worker.js";
import type { Channel, Inbound } from "./model.js";
import type { InboxStore } from "./ports.js";

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
  deadLetter(letter: { channel: Channel; externalId: string; sender?: string; reason: string; body: string }): Promise<void>;
  /** Stores a delivery receipt; receipts are never answered. */
  recordStatus(status: { channel: Channel; messageId: string; status: string; recipient?: string; error?: string; at: Date }): Promise<void>;
}

export function createIntake(options: { inbox: InboxStore; worker?: Pick<InboxWorker, "notify">; maxMessageChars: number }): Intake {
  const { inbox, worker, maxMessageChars } = options;
  return {
    async accept(inbound, seq) {
      // NULs, control characters and lone surrogates go before the database sees them.
      const clean = cleanInput(inbound.text, maxMessageChars);
      const result = await inbox.accept({ ...inbound, text: clean.text }, { seq, truncated: clean.truncated });
      if (result.isNew) worker?.notify(inbound.channel, inbound.conversation);
      return result;
    },
    deadLetter: (letter) => inbox.deadLetter({ ...letter, body: cleanInput(letter.body, 20_000).text }),
    recordStatus: (status) => inbox.recordStatus(status),
  };
}
