import type { ChannelSender } from "../../core/ports.js";
import type { WebchatMailbox } from "../../core/webchat-mailbox.js";

/** What the answering side tells the pages' event streams (in this thread, or across from a worker thread). */
export interface WebchatEvents {
  /** New replies are stamped for this conversation. */
  replied(conversation: string): void;
  /** A turn of this conversation started. */
  typing(conversation: string): void;
}

export const NO_WEBCHAT_EVENTS: WebchatEvents = { replied() {}, typing() {} };

/**
 * The web chat's sender, run by the inbox worker like the messengers' senders.
 * The browser may be offline, so there is nothing to push: a reply is
 * delivered when its outbox row is stamped for the visitor (under the
 * conversation's lock, so stamps come in delivery order), and the pages of
 * that visitor are woken to stream it.
 */
export function createWebchatSender(mailbox: WebchatMailbox, events: WebchatEvents): ChannelSender {
  return {
    channel: "webchat",
    async send(conversation, _reply, options) {
      if (options?.outboxId === undefined) throw new Error("a web chat reply is delivered from its outbox row only");
      await mailbox.stamp(options.outboxId);
      events.replied(conversation);
    },
    typing(conversation) {
      events.typing(conversation);
    },
  };
}
