// Bot text → DOM nodes, never HTML: lines starting with "- ", "* " or "1. " become lists,
// http(s) links and [title](url) become links that open in a new tab, **x** becomes bold.
// Everything else is a text node, so nothing the server sends can inject markup or script.

const INLINE = /\[([^\]\n]{1,200})\]\((https?:\/\/[^\s)]{1,2000})\)|(https?:\/\/[^\s<>"']{1,2000})|\*\*([^*\n]{1,300})\*\*/g;
const BULLET = /^\s*[-*•]\s+(.*)$/;
const NUMBERED = /^\s*\d{1,3}[.)]\s+(.*)$/;

function el(tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

export function safeHttpUrl(value) {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch (_) {
    return null;
  }
}

export function link(href, label, newTabText) {
  const a = el("a", "cd-link");
  a.href = href;
  a.target = "_blank";
  a.rel = "noopener noreferrer nofollow";
  a.textContent = label;
  const hint = el("span", "cd-sr");
  hint.textContent = " " + newTabText;
  a.appendChild(hint);
  return a;
}

function inline(parent, text, newTabText) {
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    let [whole, title, titledUrl, bareUrl, bold] = match;
    let end = match.index + whole.length;
    if (bareUrl) {
      // Sentence punctuation after a URL is not part of it.
      const trimmed = bareUrl.replace(/[.,;:!?)\]]+$/, "");
      end -= bareUrl.length - trimmed.length;
      bareUrl = trimmed;
    }
    parent.appendChild(document.createTextNode(text.slice(last, match.index)));
    const href = safeHttpUrl(titledUrl || bareUrl || "");
    if (bold) {
      const b = el("strong");
      b.textContent = bold;
      parent.appendChild(b);
    } else if (href) {
      parent.appendChild(link(href, title || bareUrl, newTabText));
    } else {
      parent.appendChild(document.createTextNode(whole));
    }
    last = end;
  }
  parent.appendChild(document.createTextNode(text.slice(last)));
}

/** A fragment of paragraphs and lists for one message text. */
export function richText(text, newTabText) {
  const fragment = document.createDocumentFragment();
  let list = null;
  let listKind = null;
  let paragraph = null;
  for (const line of String(text || "").split("\n")) {
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    if (bullet || numbered) {
      const kind = bullet ? "ul" : "ol";
      if (!list || listKind !== kind) {
        list = el(kind, "cd-list");
        listKind = kind;
        fragment.appendChild(list);
      }
      const item = el("li");
      inline(item, (bullet || numbered)[1], newTabText);
      list.appendChild(item);
      paragraph = null;
      continue;
    }
    list = null;
    if (!line.trim()) {
      paragraph = null;
      continue;
    }
    if (paragraph) paragraph.appendChild(document.createTextNode("\n"));
    else {
      paragraph = el("p", "cd-p");
      fragment.appendChild(paragraph);
    }
    inline(paragraph, line, newTabText);
  }
  return fragment;
}
