/**
 * The public privacy-request pages: server-rendered, no JavaScript, in the feedback pages'
 * style. Their wording never depends on what Hark holds about anyone.
 */
import { renderPublicPage } from '../../feedback/index.ts';
import { html, type SafeHtml } from '../../lib/html.ts';
import type { CodeProblem } from './intake.ts';

export type RequestField = 'form' | 'name' | 'email' | 'mobile' | 'kind' | 'details';

export interface RequestFormValues {
  name?: string;
  email?: string;
  mobile?: string;
  kind?: string;
  details?: string;
}

const fieldOrder: RequestField[] = ['form', 'name', 'email', 'mobile', 'kind', 'details'];
const anchors: Record<RequestField, string> = { form: 'name', name: 'name', email: 'email', mobile: 'mobile', kind: 'kind-access', details: 'details' };

function errorSummary(errors: Partial<Record<RequestField, string>>): SafeHtml {
  const listed = fieldOrder.filter((f) => errors[f]);
  if (listed.length === 0) return html``;
  return html`<div class="summary" role="alert" tabindex="-1" id="problems"><h2>Please check this</h2><ul>${listed.map(
    (f) => html`<li><a href="#${anchors[f]}">${errors[f]}</a></li>`,
  )}</ul></div>`;
}

function fieldError(id: string, message: string | undefined): SafeHtml {
  return message ? html`<p class="error" id="${id}-error">${message}</p>` : html``;
}

export function renderRequestForm(values: RequestFormValues, errors: Partial<Record<RequestField, string>> = {}, smsAvailable = true): string {
  const kind = values.kind === 'correction' ? 'correction' : values.kind === 'access' ? 'access' : '';
  const described = (f: RequestField) => (errors[f] ? `${f}-error` : undefined);
  return renderPublicPage(
    'Ask what Hark holds about you',
    html`<h1>Your personal information</h1>
<p>You may ask for the personal information Hark holds about you, or ask us to correct it (Privacy Act 2020, principles 6 and 7). We send a code to each address you give, to check it is yours. We answer within 20 working days.</p>
${errorSummary(errors)}
<form method="post" action="/privacy/request" novalidate>
<div class="field"><label for="name">Your name</label>${fieldError('name', errors.name)}
<input type="text" id="name" name="name" autocomplete="name" maxlength="200" value="${values.name ?? ''}" ${described('name') ? html`aria-describedby="name-error" aria-invalid="true"` : ''}></div>
<div class="field"><label for="email">Email address</label><p class="hint" id="email-hint">The address you gave when you gave feedback, if any.</p>${fieldError('email', errors.email)}
<input type="email" id="email" name="email" autocomplete="email" maxlength="254" value="${values.email ?? ''}" aria-describedby="email-hint${errors.email ? ' email-error' : ''}"></div>
<div class="field"><label for="mobile">Mobile number</label><p class="hint" id="mobile-hint">${smsAvailable ? 'The number you texted from, if any. Give an email, a mobile, or both.' : 'Codes cannot be texted on this installation: please give an email address.'}</p>${fieldError('mobile', errors.mobile)}
<input type="tel" id="mobile" name="mobile" autocomplete="tel" maxlength="40" value="${values.mobile ?? ''}" aria-describedby="mobile-hint${errors.mobile ? ' mobile-error' : ''}"></div>
<fieldset><legend>What would you like?</legend>${fieldError('kind', errors.kind)}
<div class="check"><input type="radio" id="kind-access" name="kind" value="access" ${kind === 'access' ? 'checked' : ''}><label for="kind-access">A copy of the information you hold about me</label></div>
<div class="check"><input type="radio" id="kind-correction" name="kind" value="correction" ${kind === 'correction' ? 'checked' : ''}><label for="kind-correction">A correction of information you hold about me</label></div>
</fieldset>
<div class="field"><label for="details">What should be corrected, and how? (for a correction)</label>${fieldError('details', errors.details)}
<textarea id="details" name="details" rows="4" maxlength="2000">${values.details ?? ''}</textarea></div>
<button type="submit">Send me a code</button>
</form>`,
  );
}

const problemWords: Record<CodeProblem, (triesLeft: number) => string> = {
  wrong: (left) => `That code is not right. You have ${left} ${left === 1 ? 'try' : 'tries'} left.`,
  expired: () => 'That code has expired (codes work for 10 minutes). Please start your request again.',
  used: () => 'That code has already been used. Please start your request again.',
  too_many_tries: () => 'Too many wrong codes were entered. Please start your request again.',
  missing: () => 'Enter the 6-digit code we sent.',
};

export function codeProblemMessage(problem: CodeProblem, triesLeft: number): string {
  return problemWords[problem](triesLeft);
}

export function renderVerifyForm(
  requestId: string,
  kinds: ReadonlyArray<'email' | 'mobile'>,
  errors: Partial<Record<'email' | 'mobile', string>> = {},
): string {
  const label = { email: 'Code sent to your email', mobile: 'Code sent to your mobile' } as const;
  const listed = kinds.filter((k) => errors[k]);
  return renderPublicPage(
    'Enter your code',
    html`<h1>Check your ${kinds.join(' and ')}</h1>
<p>If the address you gave is right, a 6-digit code is on its way. It works once, for 10 minutes.</p>
${listed.length > 0 ? html`<div class="summary" role="alert" id="problems"><h2>Please check this</h2><ul>${listed.map((k) => html`<li><a href="#code-${k}">${errors[k]}</a></li>`)}</ul></div>` : ''}
<form method="post" action="/privacy/request/${requestId}/verify" novalidate>
${kinds.map(
  (k) => html`<div class="field"><label for="code-${k}">${label[k]}</label>${fieldError(`code-${k}`, errors[k])}
<input type="text" id="code-${k}" name="code_${k}" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" ${errors[k] ? html`aria-describedby="code-${k}-error" aria-invalid="true"` : ''}></div>`,
)}
<button type="submit">Check my code</button>
</form>
<p><a href="/privacy/request">Start again</a></p>`,
  );
}

export function renderVerified(dueOn: string): string {
  const due = new Date(`${dueOn}T00:00:00Z`).toLocaleDateString('en-NZ', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });
  return renderPublicPage(
    'Request received',
    html`<h1>Thank you: your request is confirmed</h1>
<p>We will look in every business that uses Hark for anything about you, and answer by <strong>${due}</strong> at the latest, at the address you gave.</p>
<p>If we need longer (for example, to search a great deal), we will tell you before then.</p>`,
  );
}

export function renderMessagePage(title: string, message: string): string {
  return renderPublicPage(title, html`<h1>${title}</h1><p>${message}</p><p><a href="/privacy/request">Make a request</a></p>`);
}
