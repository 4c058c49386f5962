// Webview HTML with a strict Content-Security-Policy: no inline script or handler, scripts only with a
// fresh nonce, styles and scripts only from the extension's dist/webview and media folders.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, script: string, css: string, title: string): string {
  const nonce = randomBytes(16).toString('base64');
  const js = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', script));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', css));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>${title.replace(/[<>&"]/g, '')}</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="muted">Theory Lens is starting…</p></main>
<script nonce="${nonce}" src="${js}"></script>
</body>
</html>`;
}
