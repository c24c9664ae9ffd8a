/** The readable form of an access package: one HTML page, with the JSON inside it. */
import { renderPublicPage } from '../../feedback/index.ts';
import { html, type SafeHtml } from '../../lib/html.ts';
import type { AccessPackage, PackageClient, Review } from './access-package.ts';

const when = (value: string) => new Date(value).toLocaleString('en-NZ', { timeZone: 'Pacific/Auckland', dateStyle: 'medium', timeStyle: 'short' });

function flag(r: Review, forOperator: boolean): SafeHtml {
  return forOperator && r.flagged ? html` <strong class="error">(review: ${r.reasons.join(', ')})</strong>` : html``;
}

function table(caption: string, head: string[], rows: SafeHtml[]): SafeHtml {
  if (rows.length === 0) return html``;
  return html`<table><caption>${caption}</caption><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
}

function clientSection(c: PackageClient, forOperator: boolean): SafeHtml {
  return html`<section aria-labelledby="c-${c.clientId}"><h2 id="c-${c.clientId}">${c.clientName}</h2>
${table('Your contact details', ['Name', 'Email', 'Mobile', 'First given'], c.contactRecords.map((r) => html`<tr><td>${r.name ?? '—'}</td><td>${r.email ?? '—'}</td><td>${r.mobile ?? '—'}</td><td>${when(r.createdAt)}</td></tr>`))}
${table('Your feedback', ['When', 'Where', 'Score', 'Comment', 'Status'], c.feedback.map((f) => html`<tr><td>${when(f.submittedAt)}</td><td>${f.location} (${f.channel})</td><td>${f.score}</td><td>${f.comment || '—'}${flag(f.review, forOperator)}</td><td>${f.status}</td></tr>`))}
${table('Replies and notes about your feedback', ['When', 'Kind', 'Text'], c.responses.map((r) => html`<tr><td>${when(r.createdAt)}</td><td>${r.kind} (${r.direction})</td><td>${r.subject ? html`<strong>${r.subject}</strong><br>` : ''}${r.body}${flag(r.review, forOperator)}</td></tr>`))}
${table('What you agreed to', ['When', 'What', 'Document'], c.consents.map((x) => html`<tr><td>${when(x.givenAt)}</td><td>${x.kind}</td><td>${x.documentUrl ?? '—'}</td></tr>`))}
${table('Prize draw entries', ['When'], c.prizeEntries.map((p) => html`<tr><td>${when(p.enteredAt)}</td></tr>`))}
${table('Statements of correction', ['When', 'Statement'], c.correctionStatements.map((s) => html`<tr><td>${when(s.createdAt)}</td><td>${s.statement}</td></tr>`))}
${table('Text messages', ['When', 'Direction', 'Text'], c.textMessages.map((m) => html`<tr><td>${when(m.at)}</td><td>${m.direction}</td><td>${m.body}${flag(m.review, forOperator)}</td></tr>`))}
${table('Your number', ['Mobile', 'Opted out', 'First seen'], c.textNumbers.map((n) => html`<tr><td>${n.mobile}</td><td>${n.optedOutAt ? when(n.optedOutAt) : 'no'}</td><td>${when(n.firstSeenAt)}</td></tr>`))}
</section>`;
}

export function renderPackageBody(content: AccessPackage, forOperator: boolean): SafeHtml {
  return html`<h1>Personal information held about ${content.requester.name}</h1>
<p>Prepared ${when(content.generatedAt)} in answer to your request. It covers every business that uses Hark (${content.summary.clients} of which hold something about you) and ${content.summary.items} records.</p>
${content.clients.length === 0 ? html`<p>Hark holds no personal information about you under the addresses you gave.</p>` : content.clients.map((c) => clientSection(c, forOperator))}
<h2>The same, for computers (JSON)</h2>
<p>The format is described in Hark’s documentation (schema ${content.schema}, version ${content.schemaVersion}).</p>
<pre tabindex="0" aria-label="The package as JSON">${JSON.stringify(content, null, 2)}</pre>`;
}

export function renderPackagePage(content: AccessPackage): string {
  return renderPublicPage('Your personal information', renderPackageBody(content, false)).replace(
    '</style>',
    'table{border-collapse:collapse;width:100%;margin:0 0 1.5rem;background:#fff}caption{text-align:left;font-weight:700;padding:.25rem 0}th,td{border:1px solid #c9c9c4;padding:.35rem;vertical-align:top;text-align:left;font-size:.95rem}pre{white-space:pre-wrap;word-break:break-word;background:#fff;border:1px solid #c9c9c4;padding:.5rem;font-size:.8rem}</style>',
  );
}
