/**
 * The policy as a readable, server-rendered page. Markdown goes through markdown-it with raw
 * HTML off (so a policy text can never inject markup or script) and its own link checks.
 */
import MarkdownIt from 'markdown-it';
import { html, raw, type SafeHtml } from '../../lib/html.ts';
import type { PolicyFormat } from '../tables.ts';

const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

function renderBody(format: PolicyFormat, body: string): SafeHtml {
  if (format === 'markdown') {
    // A policy carries its own title as `# …`; the page already has one, so headings step down a level.
    return raw(markdown.render(body).replace(/<(\/?)h([1-5])>/g, (_m, slash: string, level: string) => `<${slash}h${Number(level) + 1}>`));
  }
  const paragraphs = body.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  return html`${paragraphs.map((p) => html`<p>${p.split('\n').map((line, i) => html`${i > 0 ? raw('<br>') : ''}${line}`)}</p>`)}`;
}

export interface PolicyPageVersion {
  version: number;
  format: PolicyFormat;
  body: string;
  sha256: Buffer;
  published_at: Date;
}

const dateFormat = new Intl.DateTimeFormat('en-NZ', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Pacific/Auckland' });

export function formatPolicyDate(at: Date): string {
  return dateFormat.format(at);
}

/** The body of /privacy (current: the version in force) or /privacy/v/:n. */
export function renderPolicy(shown: PolicyPageVersion, current: { version: number; published_at: Date }, allVersions: { version: number; published_at: Date }[]): SafeHtml {
  const isCurrent = shown.version === current.version;
  const notice = isCurrent
    ? html`<p class="hint">Version ${shown.version}, in force since ${formatPolicyDate(shown.published_at)}. This version applies to all personal information Hark holds, including information collected while an earlier version was in force.</p>`
    : html`<div class="summary" role="note"><p><strong>This is version ${shown.version}, an earlier version.</strong> It was replaced on ${formatPolicyDate(
        allVersions.find((v) => v.version === shown.version + 1)?.published_at ?? current.published_at,
      )}. The newest version applies to all information Hark holds: <a href="/privacy">read version ${current.version}, the policy in force</a>.</p></div>`;
  const others = allVersions.filter((v) => v.version !== shown.version);
  const history = others.length
    ? html`<h2>Other versions</h2><ul>${others.map(
        (v) => html`<li><a href="${v.version === current.version ? '/privacy' : `/privacy/v/${v.version}`}">Version ${v.version}</a>, published ${formatPolicyDate(v.published_at)}${
          v.version === current.version ? ' (in force)' : ''
        }</li>`,
      )}</ul>`
    : '';
  return html`<h1>Privacy policy</h1>${notice}<article>${renderBody(shown.format, shown.body)}</article>
<h2>Questions or concerns</h2><p><a href="/privacy/request">Ask what we hold about you, or for a correction</a>. <a href="/privacy/complaint">Make a privacy complaint</a>.</p>
${history}<p class="hint">SHA-256 of this version's text: <code>${shown.sha256.toString('hex')}</code></p>`;
}
