// Every value from a request or the database that goes into a page goes through `esc`, so that it can
// never become markup.
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** A public page of ours (the quote page, a web form's answers): plain HTML for any phone, not indexed. */
export function publicPage(title: string, css: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${esc(title)}</title>
<style>${css}</style>
</head>
<body><main>
${body}
</main></body>
</html>
`;
}
