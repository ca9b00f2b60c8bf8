/**
 * The one message model of rotabot. Channels translate their platform's
 * traffic into `Inbound` and render `Reply` back; nothing in the core ever
 * reads a platform payload.
 */

// "slack" and "webhook" (the lead webhook) are outbox channels: traffic leaves through them, no student writes on them.
export const CHANNELS = ["console", "telegram", "whatsapp", "webchat", "slack", "replay", "test", "webhook"] as const;
export type Channel = (typeof CHANNELS)[number];

export interface Inbound {
  /** Unique per channel (platform message id); the dedupe key. */
  id: string;
  channel: Channel;
  /** The chat this message belongs to, unique within its channel. */
  conversation: string;
  /** The person who wrote it, unique within its channel. */
  sender: string;
  /** What the person wrote; empty for non-text content. */
  text: string;
  /** A quick-reply value the person picked, when the channel has buttons. */
  payload?: string;
  /** The kind of content when it is not text (photo, voice, sticker…). */
  contentType?: "text" | "unsupported";
  receivedAt: Date;
  /** The platform's raw update, kept for logs only. The core never reads it. */
  raw?: unknown;
}

export interface QuickReply {
  /** Label shown on the button. */
  title: string;
  /** What comes back as `Inbound.payload` (or as text where a channel has no buttons). */
  payload: string;
}

export interface Citation {
  /** Knowledge entry id the answer came from. */
  entryId: string;
  title: string;
  sources: { name: string; url?: string }[];
  reviewed: string;
  /** The whole entry was shown ("Tell me more"): its Sources line lists every source with its link. */
  full?: boolean;
}

export interface Reply {
  text: string;
  quickReplies?: QuickReply[];
  citations?: Citation[];
  /** Written by the language model (rephrased), not taken as is from the knowledge base: marked as such for counselors. */
  generated?: boolean;
}
