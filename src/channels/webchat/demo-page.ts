/**
 * GET /webchat/: a page that shows the widget the way an agency embeds it,
 * with the snippet to copy. Static: nothing from the request is written into it.
 */
export function demoPage(publicUrl: string | undefined): string {
  const base = publicUrl ?? "https://your-rotabot-host";
  const snippet = `<script src="${base}/webchat/widget.js" data-privacy-url="https://your-agency.example/privacy" defer></script>`;
  const escaped = snippet.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rotabot web chat: demo</title>
<link rel="icon" href="data:,">
</head>
<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: #1f2933">
<h1>rotabot web chat</h1>
<p>This page shows the chat widget as it appears on an agency's website: open it with the button at the bottom right.</p>
<p>To add it to a site, paste this tag before <code>&lt;/body&gt;</code> and list the site in <code>WEBCHAT_ORIGINS</code>:</p>
<pre style="white-space: pre-wrap; background: #f3f4f6; padding: 0.75rem; border-radius: 6px"><code>${escaped}</code></pre>
<h2 id="privacy">Privacy</h2>
<p>The chat keeps an anonymous id in this browser's local storage (no cookies) and stores the conversation so that it can go on after a reload.
Contact details are stored only with the visitor's consent, for a counselor to reach them. Type <code>/forget</code> in the chat to erase everything.</p>
<script src="/webchat/widget.js" data-privacy-url="#privacy" defer></script>
</body>
</html>
`;
}
