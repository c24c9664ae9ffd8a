/** The public complaint form and its confirmation: server-rendered, no JavaScript. */
import { renderPublicPage } from '../../feedback/index.ts';
import { html, raw, type SafeHtml } from '../../lib/html.ts';
import { MAX_DETAILS, type ComplaintForm, type ComplaintFormField } from './schemas.ts';

export type ComplaintFormErrors = Partial<Record<ComplaintFormField | 'form', string>>;

const order: (ComplaintFormField | 'form')[] = ['form', 'name', 'email', 'business', 'details'];

function field(id: ComplaintFormField, label: string, values: Partial<ComplaintForm>, errors: ComplaintFormErrors, options: { hint?: string; type?: string; autocomplete?: string; multiline?: boolean; required?: boolean } = {}): SafeHtml {
  const message = errors[id];
  const described = [options.hint ? `${id}-hint` : '', message ? `${id}-error` : ''].filter(Boolean).join(' ');
  const attributes = html`${described ? html` aria-describedby="${described}"` : ''}${message ? raw(' aria-invalid="true"') : ''}${options.required ? raw(' required') : ''}${
    options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ''
  }`;
  const input = options.multiline
    ? html`<textarea id="${id}" name="${id}" rows="7" maxlength="${MAX_DETAILS}"${attributes}>${values[id] ?? ''}</textarea>`
    : html`<input type="${options.type ?? 'text'}" id="${id}" name="${id}" value="${values[id] ?? ''}"${attributes}>`;
  return html`<div class="field"><label for="${id}">${label}</label>${options.hint ? html`<p class="hint" id="${id}-hint">${options.hint}</p>` : ''}${
    message ? html`<p class="error" id="${id}-error">${message}</p>` : ''
  }${input}</div>`;
}

export function renderComplaintForm(values: Partial<ComplaintForm>, errors: ComplaintFormErrors = {}): string {
  const listed = order.filter((f) => errors[f]);
  const summary = listed.length
    ? html`<div class="summary" role="alert"><h2>Please check your complaint</h2><ul>${listed.map((f) => html`<li><a href="#${f === 'form' ? 'name' : f}">${errors[f]}</a></li>`)}</ul></div>`
    : '';
  const body = html`<h1>Make a privacy complaint</h1>
<p>If you think personal information about you was collected, used, kept or shared in a way it should not have been — by Hark or by a business using Hark — tell us here. We will look into it and respond within 30 days at the latest.</p>
${summary}
<form method="post" action="/privacy/complaint">
${field('name', 'Your name', values, errors, { autocomplete: 'name', required: true })}
${field('email', 'Your email address', values, errors, { type: 'email', autocomplete: 'email', required: true, hint: 'We send your reference and our response here.' })}
${field('business', 'Which business is it about? (if you know)', values, errors, { autocomplete: 'organization' })}
${field('details', 'What happened?', values, errors, { multiline: true, required: true, hint: 'When and where it happened, what information was involved, and what you would like us to do.' })}
<button type="submit">Send complaint</button>
</form>
<p class="hint">We use what you give here only to look into and answer your complaint. Read our <a href="/privacy">privacy policy</a>.</p>`;
  return renderPublicPage('Make a privacy complaint', body);
}

export function renderComplaintReceived(reference: string, dueDay: string): string {
  const body = html`<h1>We have your complaint</h1>
<p>Thank you for telling us. Your reference is <strong>${reference}</strong>; we have emailed it to you too.</p>
<p>We will look into what happened and respond by <strong>${dueDay}</strong> at the latest.</p>
<p><a href="/privacy">Read our privacy policy</a></p>`;
  return renderPublicPage('Complaint received', body);
}
