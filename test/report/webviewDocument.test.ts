// The webview document: strict CSP, nonce-only scripts, no inline handlers, escaped interpolations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentSecurityPolicy, escapeHtml, webviewDocument } from '../../src/report/webviewDocument';

const parts = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/report.js', styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/report.css', nonce: 'bm9uY2Ux/+==', title: 'Theory Lens: <img src=x onerror=alert(1)>.onnx' };

describe('webviewDocument', () => {
  const html = webviewDocument(parts);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
  it('has a CSP that starts from default-src none and allows scripts only by nonce', () => {
    assert.ok(csp, 'CSP meta present');
    const directives = Object.fromEntries(csp!.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    assert.deepEqual(directives['default-src'], ["'none'"]);
    assert.deepEqual(directives['script-src'], [`'nonce-${parts.nonce}'`]);
    assert.deepEqual(directives['style-src'], [parts.cspSource]);
    assert.ok(!csp!.includes('unsafe-inline') && !csp!.includes('unsafe-eval'));
    assert.equal(csp, contentSecurityPolicy(parts.cspSource, parts.nonce));
  });
  it('every script carries the nonce and has a src; no inline handlers', () => {
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0][1], new RegExp(`nonce="${parts.nonce.replace(/[+/]/g, '\\$&')}"`));
    assert.match(scripts[0][1], /src="https:\/\/file\+\.vscode-resource/);
    assert.equal(scripts[0][2].trim(), '', 'no inline script body');
    for (const tag of html.match(/<[a-z][^>]*>/gi) ?? []) assert.doesNotMatch(tag, /\son\w+\s*=/i, tag);
  });
  it('escapes the title (file names come from the user’s disk)', () => {
    assert.ok(html.includes('<title>Theory Lens: &lt;img src=x onerror=alert(1)&gt;.onnx</title>'));
    assert.ok(!html.includes('<img'));
    assert.equal(escapeHtml(`a&b<c>"d"'e'`), `a&amp;b&lt;c&gt;&quot;d&quot;'e'`);
  });
  it('shows the heading (a report\'s file name) before the script runs, escaped; none when not given', () => {
    const withHeading = webviewDocument({ ...parts, heading: '<img src=x onerror=alert(1)>.onnx' });
    assert.ok(withHeading.includes('<h1 id="file-name">&lt;img src=x onerror=alert(1)&gt;.onnx</h1>'));
    assert.ok(!withHeading.includes('<img'));
    assert.ok(!html.includes('<h1'));
  });
});
