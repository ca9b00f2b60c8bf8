import type { Reply } from "../../core/model.js";
import { splitText } from "../split-text.js";

/** Cloud API limits for service messages. */
export const WHATSAPP_LIMITS = {
  text: 4096,
  buttons: 3,
  buttonTitle: 20,
  buttonId: 256,
  buttonBody: 1024,
  listRows: 10,
  rowTitle: 24,
  rowDescription: 72,
  rowId: 200,
  listBody: 4096,
} as const;

/**
 * A reply as WhatsApp messages. Text is split under 4096 characters; quick
 * replies become up to three reply buttons when every title fits in 20
 * characters, otherwise a list (at most 10 rows; a long title is shortened
 * and given whole as the row's description). The interactive message carries
 * the last piece of text as its body, within that type's body limit.
 */
export function renderWhatsApp(reply: Reply, to: string, listButton: string): Record<string, unknown>[] {
  const text = toWhatsAppMarkup(reply.text);
  const options = (reply.quickReplies ?? []).filter((q) => q.payload.length > 0);
  const useButtons = options.length > 0 && options.length <= WHATSAPP_LIMITS.buttons && options.every((q) => [...q.title].length <= WHATSAPP_LIMITS.buttonTitle && q.payload.length <= WHATSAPP_LIMITS.buttonId);
  const rows = options.filter((q) => q.payload.length <= WHATSAPP_LIMITS.rowId).slice(0, WHATSAPP_LIMITS.listRows);
  const bodyLimit = useButtons ? WHATSAPP_LIMITS.buttonBody : rows.length > 0 ? WHATSAPP_LIMITS.listBody : WHATSAPP_LIMITS.text;
  const pieces = splitText(text, WHATSAPP_LIMITS.text);
  const last = pieces.pop() ?? "";
  const tail = splitText(last, bodyLimit);
  const body = tail.pop() ?? "";
  const plain = [...pieces, ...tail].map((p) => ({ to, type: "text", text: { body: p, preview_url: false } }));
  if (useButtons) {
    const buttons = options.map((q) => ({ type: "reply", reply: { id: q.payload, title: q.title } }));
    return [...plain, { to, type: "interactive", interactive: { type: "button", body: { text: body }, action: { buttons } } }];
  }
  if (rows.length > 0) {
    const listRows = rows.map((q) => {
      const chars = [...q.title];
      const fits = chars.length <= WHATSAPP_LIMITS.rowTitle;
      const title = fits ? q.title : `${chars.slice(0, WHATSAPP_LIMITS.rowTitle - 1).join("").trimEnd()}…`;
      return fits ? { id: q.payload, title } : { id: q.payload, title, description: [...q.title].slice(0, WHATSAPP_LIMITS.rowDescription).join("") };
    });
    const button = [...listButton].slice(0, WHATSAPP_LIMITS.buttonTitle).join("");
    return [...plain, { to, type: "interactive", interactive: { type: "list", body: { text: body }, action: { button, sections: [{ rows: listRows }] } } }];
  }
  return [...plain, { to, type: "text", text: { body, preview_url: false } }];
}

/** WhatsApp marks bold with single asterisks. */
function toWhatsAppMarkup(text: string): string {
  return text.replace(/\*\*([^*\n]+?)\*\*/g, "*$1*");
}
