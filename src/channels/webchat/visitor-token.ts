import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Visitors are anonymous: the server hands out a random id (128 bits) with an
 * HMAC of it under WEBCHAT_SECRET, as one string `<id>.<mac>`. The page keeps
 * it in localStorage and shows it on every call; without the secret nobody can
 * make a token for an id, so knowing an id is not enough to read its
 * conversation, and a made-up id is refused.
 */
export interface VisitorTokens {
  issue(): { visitor: string; token: string };
  /** The visitor id of a well-formed token signed with our secret; undefined otherwise. */
  verify(token: unknown): string | undefined;
}

const ID = /^v[A-Za-z0-9_-]{22}$/;

export function createVisitorTokens(secret: string): VisitorTokens {
  const mac = (visitor: string) => createHmac("sha256", secret).update(`rotabot-webchat:${visitor}`).digest();
  return {
    issue() {
      const visitor = `v${randomBytes(16).toString("base64url")}`;
      return { visitor, token: `${visitor}.${mac(visitor).toString("base64url")}` };
    },
    verify(token) {
      if (typeof token !== "string" || token.length > 100) return undefined;
      const dot = token.indexOf(".");
      const visitor = token.slice(0, dot);
      if (dot < 0 || !ID.test(visitor)) return undefined;
      const given = Buffer.from(token.slice(dot + 1), "base64url");
      const expected = mac(visitor);
      return given.length === expected.length && timingSafeEqual(given, expected) ? visitor : undefined;
    },
  };
}
