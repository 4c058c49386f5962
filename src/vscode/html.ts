// Webview options and HTML for the extension's webviews (report panel, read-only editor, comparison
// view): scripts enabled, local resources limited to dist/webview and media, and the strict-CSP
// document of webviewDocument.ts with a fresh nonce.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { webviewDocument } from '../report/webviewDocument';

export function localResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: localResourceRoots(extensionUri) };
}

/** The document loading dist/webview/`script` and media/`css`; `heading` shows before the script runs. */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, script: string, css: string, title: string, heading?: string): string {
  return webviewDocument({
    cspSource: webview.cspSource,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', script)).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', css)).toString(),
    nonce: randomBytes(16).toString('base64'),
    title,
    heading,
  });
}
