import type { IncomingMessage } from "node:http";

/** The request body is larger than the limit. */
export class BodyTooLargeError extends Error {}

/** Reads a request's raw bytes (signatures are computed over them), refusing more than `limit` bytes. */
export async function readRawBody(req: IncomingMessage, limit = 1_000_000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError(`body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
