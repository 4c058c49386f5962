// The HTML document of every Theory Lens webview, with a strict Content-Security-Policy: nothing loads
// by default (`default-src 'none'`), scripts only with this document's fresh nonce (no inline script or
// handler runs), styles, fonts and images only from the webview's own resource origin (which
// `localResourceRoots` limits to dist/webview and media). No `vscode` import: unit-tested in plain Node.

export interface WebviewDocumentParts {
  /** `webview.cspSource`: the origin the webview serves local resources from. */
  cspSource: string;
  /** Webview URIs of the bundled script (dist/webview/*.js) and the stylesheet (media/*.css). */
  scriptUri: string;
  styleUri: string;
  /** A fresh random nonce (base64) per document. */
  nonce: string;
  title: string;
  /**
   * The page's heading (a report's file name), in the document itself: it shows while the script
   * loads, before the webview has said a word to the host.
   */
  heading?: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

/** Escapes text for a double-quoted HTML attribute or a text node (the only interpolations below). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

export function webviewDocument(p: WebviewDocumentParts): string {
  const a = escapeHtml;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${a(contentSecurityPolicy(p.cspSource, p.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${a(p.styleUri)}">
<title>${a(p.title)}</title>
</head>
<body>
<main id="app" aria-live="polite">${p.heading === undefined ? '' : `<h1 id="file-name">${a(p.heading)}</h1>`}<p class="muted">Theory Lens is starting…</p></main>
<script nonce="${a(p.nonce)}" src="${a(p.scriptUri)}"></script>
</body>
</html>`;
}
