import type { Clock } from "../../core/clock.js";
import type { OutboxItem } from "../../core/ports.js";
import type { LeadDesk } from "../../leads/desk.js";

const WINDOW_CLOSED = /window closed/i;

/**
 * What the messenger worker calls when a reply can never be delivered: the
 * lead it belongs to (the counselor's, by `leadId`; otherwise the open lead of
 * that conversation) is marked unreachable, its card updated, and its thread
 * told, so a counselor never believes a message reached the student when it
 * did not. A closed WhatsApp window is said as such: nothing free-form may be
 * sent until the student writes again.
 */
export function createUndeliverableReporter(desk: LeadDesk, clock: Clock, notifySlack: () => void) {
  return async (item: OutboxItem, reason: string): Promise<void> => {
    if (item.payload.kind !== "reply") return;
    const { leadId } = item.payload;
    const windowClosed = WINDOW_CLOSED.test(reason);
    const what = leadId !== undefined ? "Your message was not sent to the student" : "A message from rotabot did not reach the student";
    const text = windowClosed
      ? `${what}: the WhatsApp window closed (more than 24 hours since the student last wrote), and WhatsApp allows no free-form message after that. It can go once the student writes again.`
      : `${what}: ${reason}.`;
    const lead = await desk.markUnreachable(
      leadId !== undefined ? { leadId } : { channel: item.channel, conversation: item.conversation },
      windowClosed ? "WhatsApp window closed: the student has to write first" : reason,
      String(item.id),
      clock.now(),
      text,
    );
    if (lead) notifySlack();
  };
}
