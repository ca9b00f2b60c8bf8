import { formatMessage, type Span } from "./format.js";

/**
 * A reply's text as DOM nodes. Every piece of text goes in with textContent
 * (or a text node), never as HTML; links get only a checked http(s)/mailto
 * address, open in a new tab, and pass no referrer or window handle.
 */
export function renderText(doc: Document, text: string): DocumentFragment {
  const out = doc.createDocumentFragment();
  for (const block of formatMessage(text)) {
    if (block.kind === "list") {
      const ul = doc.createElement("ul");
      for (const item of block.items) {
        const li = doc.createElement("li");
        li.append(...item.map((s) => span(doc, s)));
        ul.append(li);
      }
      out.append(ul);
    } else {
      const p = doc.createElement("p");
      block.lines.forEach((line, i) => {
        if (i > 0) p.append(doc.createElement("br"));
        p.append(...line.map((s) => span(doc, s)));
      });
      out.append(p);
    }
  }
  return out;
}

function span(doc: Document, s: Span): Node {
  let node: Node = doc.createTextNode(s.text);
  if (s.href) {
    const a = doc.createElement("a");
    a.href = s.href;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    a.textContent = s.text;
    node = a;
  }
  if (s.bold) {
    const strong = doc.createElement("strong");
    strong.append(node);
    node = strong;
  }
  return node;
}
