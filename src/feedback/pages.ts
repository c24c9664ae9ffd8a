/**
 * The public feedback pages: server-rendered, no JavaScript, one small inline stylesheet,
 * readable on a phone and usable by keyboard and screen reader.
 */
import { html, raw, type SafeHtml } from '../lib/html.ts';
import type { FeedbackTarget } from '../programmes/index.ts';
import { scaleOf } from '../programmes/index.ts';
import { MAX_COMMENT_LENGTH, type FeedbackForm, type FieldName } from './schemas.ts';

const styles = raw(`
*{box-sizing:border-box}
body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f4f4f1}
main{max-width:36rem;margin:0 auto;padding:1rem 1rem 3rem}
h1{font-size:1.4rem;margin:.5rem 0 0}
.where{margin:0 0 1rem;color:#4a4a4a}
fieldset{border:0;padding:0;margin:0 0 1.25rem}
legend,label.q{font-weight:600;display:block;margin-bottom:.5rem;padding:0}
.scale{display:flex;flex-wrap:wrap;gap:.35rem}
.scale input{position:absolute;opacity:0;width:1px;height:1px}
.scale label{min-width:2.75rem;min-height:2.75rem;display:flex;align-items:center;justify-content:center;border:2px solid #555;border-radius:.5rem;background:#fff;font-weight:600;cursor:pointer}
.scale.stars label{font-size:1.6rem;color:#6b5400}
.scale input:checked+label{background:#17456b;border-color:#17456b;color:#fff}
.scale input:focus-visible+label{outline:3px solid #c25400;outline-offset:2px}
.ends{display:flex;justify-content:space-between;font-size:.9rem;color:#4a4a4a;margin:.35rem 0 0}
textarea,input[type=text],input[type=email],input[type=tel]{width:100%;font:inherit;padding:.6rem;border:2px solid #555;border-radius:.5rem;background:#fff;color:#1a1a1a}
textarea:focus,input:focus{outline:3px solid #c25400;outline-offset:1px}
.field{margin-bottom:1rem}
.field label{display:block;font-weight:600;margin-bottom:.25rem}
.hint{font-size:.9rem;color:#4a4a4a;margin:.1rem 0 .35rem}
.check{display:flex;gap:.6rem;align-items:flex-start;margin:.5rem 0}
.check input{width:1.5rem;height:1.5rem;margin-top:.1rem;flex:none}
.opt{border-top:1px solid #c9c9c4;padding-top:1rem}
button{font:inherit;font-weight:700;width:100%;padding:.85rem;border:0;border-radius:.5rem;background:#17456b;color:#fff;cursor:pointer}
button:focus-visible{outline:3px solid #c25400;outline-offset:2px}
.error{color:#a00000;font-weight:600;margin:.25rem 0}
.summary{border:3px solid #a00000;border-radius:.5rem;background:#fff;padding:.5rem 1rem;margin-bottom:1rem}
.summary h2{font-size:1.1rem;margin:.25rem 0}
a{color:#0b4f8a}
a:focus-visible{outline:3px solid #c25400;outline-offset:2px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`);

/** A public page in the feedback pages' style: server-rendered, small, no JavaScript. */
export function renderPublicPage(title: string, body: SafeHtml): string {
  return page(title, body);
}

function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><style>${styles}</style></head>
<body><main>${body}</main></body></html>`.value;
}

function heading(target: FeedbackTarget): SafeHtml {
  const where = target.subMeasure ? `${target.location.name} · ${target.subMeasure.name}` : target.location.name;
  return html`<h1>${target.clientName}</h1><p class="where">${where}</p>`;
}

export function feedbackPath(target: FeedbackTarget): string {
  return `/f/${target.location.code}${target.subMeasure ? `/${target.subMeasure.code}` : ''}`;
}

export interface FormState {
  token: string;
  values?: Partial<FeedbackForm>;
  errors?: Partial<Record<FieldName, string>>;
}

const errorOrder: FieldName[] = ['form', 'score', 'comment', 'receipt_code', 'name', 'email', 'mobile', 'contact_requested', 'prize_draw'];
const errorAnchor: Record<FieldName, string> = {
  form: 'score-0',
  score: 'score-0',
  comment: 'comment',
  receipt_code: 'receipt_code',
  name: 'name',
  email: 'email',
  mobile: 'mobile',
  contact_requested: 'contact_requested',
  prize_draw: 'prize_draw',
};

function fieldError(id: string, message: string | undefined): SafeHtml {
  return message ? html`<p class="error" id="${id}-error">${message}</p>` : html``;
}

function describedBy(id: string, hint: boolean, message: string | undefined): SafeHtml {
  const ids = [hint ? `${id}-hint` : '', message ? `${id}-error` : ''].filter(Boolean).join(' ');
  return ids ? html` aria-describedby="${ids}"${message ? raw(' aria-invalid="true"') : raw('')}` : html``;
}

function textField(
  id: 'receipt_code' | 'name' | 'email' | 'mobile',
  label: string,
  type: 'text' | 'email' | 'tel',
  state: FormState,
  extra: { hint?: string; autocomplete?: string; inputmode?: string } = {},
): SafeHtml {
  const message = state.errors?.[id];
  return html`<div class="field"><label for="${id}">${label}</label>${extra.hint ? html`<p class="hint" id="${id}-hint">${extra.hint}</p>` : ''}
${fieldError(id, message)}<input type="${type}" id="${id}" name="${id}" value="${state.values?.[id] ?? ''}"${
    extra.autocomplete ? html` autocomplete="${extra.autocomplete}"` : ''
  }${describedBy(id, Boolean(extra.hint), message)}></div>`;
}

function checkboxField(
  id: 'contact_requested' | 'prize_draw' | 'accept_terms' | 'accept_privacy',
  label: SafeHtml,
  state: FormState,
  message?: string,
): SafeHtml {
  const checked = Boolean(state.values?.[id]);
  return html`<div class="check"><input type="checkbox" id="${id}" name="${id}" value="yes"${checked ? raw(' checked') : ''}${describedBy(
    id,
    false,
    message,
  )}><label for="${id}">${label}</label></div>`;
}

function scaleField(target: FeedbackTarget, state: FormState): SafeHtml {
  const scale = scaleOf(target.programme.scale);
  const chosen = state.values?.score ?? '';
  const message = state.errors?.score;
  const options: SafeHtml[] = [];
  for (let value = scale.min; value <= scale.max; value++) {
    const id = `score-${value - scale.min}`;
    const label = scale.stars
      ? html`<span aria-hidden="true">★</span><span class="sr">${value} ${value === 1 ? 'star' : 'stars'}</span>`
      : html`${value}`;
    options.push(
      html`<input type="radio" id="${id}" name="score" value="${value}"${String(value) === chosen ? raw(' checked') : ''}${
        message ? raw(' aria-invalid="true"') : ''
      }><label for="${id}">${label}</label>`,
    );
  }
  return html`<fieldset${message ? raw(' aria-describedby="score-error"') : ''}><legend>${target.programme.leadQuestion}</legend>
${fieldError('score', message)}<div class="scale${scale.stars ? ' stars' : ''}">${options}</div>
<p class="ends"><span>${scale.min} = ${scale.lowLabel}</span><span>${scale.max} = ${scale.highLabel}</span></p></fieldset>`;
}

export function renderFeedbackForm(target: FeedbackTarget, state: FormState): string {
  const { programme } = target;
  const errors = state.errors ?? {};
  const listed = errorOrder.filter((field) => errors[field]);
  const summary = listed.length
    ? html`<div class="summary" role="alert" tabindex="-1"><h2>Please check your answers</h2><ul>${listed.map(
        (field) => html`<li><a href="#${errorAnchor[field]}">${errors[field]}</a></li>`,
      )}</ul></div>`
    : '';
  const commentMessage = errors.comment;
  const privacyUrl = programme.privacyPolicyUrl ?? target.clientPrivacyPolicyUrl;
  const prizeDraw = programme.prizeDrawEnabled
    ? html`<fieldset class="opt" id="prize_draw-group"${errors.prize_draw ? raw(' aria-describedby="prize_draw-error"') : ''}><legend>Prize draw (optional)</legend>
${programme.prizeDrawDescription ? html`<p class="hint">${programme.prizeDrawDescription}</p>` : ''}
${fieldError('prize_draw', errors.prize_draw)}
${checkboxField('prize_draw', html`Enter me in the prize draw`, state)}
${checkboxField(
  'accept_terms',
  programme.prizeDrawTermsUrl ? html`I accept the <a href="${programme.prizeDrawTermsUrl}">terms of the draw</a>` : html`I accept the terms of the draw`,
  state,
)}
${checkboxField(
  'accept_privacy',
  privacyUrl ? html`I accept ${target.clientName}'s <a href="${privacyUrl}">privacy policy</a>` : html`I accept the <a href="/privacy">privacy policy</a>`,
  state,
)}</fieldset>`
    : '';

  const body = html`${heading(target)}
${programme.introText ? html`<p>${programme.introText}</p>` : ''}
${summary}
<form method="post" action="${feedbackPath(target)}?send">
<input type="hidden" name="token" value="${state.token}"><input type="hidden" name="via" value="${state.values?.via ?? 'web'}">
${scaleField(target, state)}
<div class="field"><label for="comment">${programme.followUpQuestion}</label>
${fieldError('comment', commentMessage)}<textarea id="comment" name="comment" rows="4" maxlength="${MAX_COMMENT_LENGTH}"${describedBy(
    'comment',
    false,
    commentMessage,
  )}>${state.values?.comment ?? ''}</textarea></div>
<fieldset class="opt"><legend>Would you like a reply? (optional)</legend>
${textField('name', 'Your name', 'text', state, { autocomplete: 'name' })}
${textField('email', 'Email', 'email', state, { autocomplete: 'email' })}
${textField('mobile', 'Mobile', 'tel', state, { autocomplete: 'tel' })}
${fieldError('contact_requested', errors.contact_requested)}
${checkboxField('contact_requested', html`Please contact me about my feedback`, state, errors.contact_requested)}
</fieldset>
${prizeDraw}
<div class="opt">${textField('receipt_code', 'Receipt code (optional)', 'text', state, {
    hint: 'If your receipt shows a feedback code, enter it here.',
    autocomplete: 'off',
  })}</div>
<button type="submit">Send feedback</button>
</form>`;
  return page(`Feedback for ${target.location.name} – ${target.clientName}`, body);
}

export function renderThankYou(target: FeedbackTarget, options: { prizeDrawEntered: boolean }): string {
  const body = html`${heading(target)}<h2>${target.programme.thankYouTitle}</h2><p>${target.programme.thankYouText}</p>${
    options.prizeDrawEntered ? html`<p>You are in the prize draw. We will contact you if you win.</p>` : ''
  }`;
  return page(`${target.programme.thankYouTitle} – ${target.clientName}`, body);
}

export function renderProblemPage(title: string, message: string): string {
  return page(title, html`<h1>${title}</h1><p>${message}</p>`);
}
