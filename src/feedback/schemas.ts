import { z } from 'zod';
import { normaliseEmail, normaliseMobile } from '../end-customers/index.ts';
import { isPlainEmailAddress } from '../lib/email-address.ts';
import type { ScaleDefinition } from '../programmes/index.ts';

export const MAX_COMMENT_LENGTH = 2000;

const text = (max: number) => z.string().max(max).optional().default('');
const checkbox = z
  .string()
  .max(10)
  .optional()
  .transform((v) => v !== undefined && v !== '');

/** The feedback form as the browser posts it (application/x-www-form-urlencoded). */
export const feedbackFormSchema = z.object({
  token: text(200).describe('one-time form token from the page'),
  via: z.enum(['web', 'qr']).optional().default('web').describe('how the customer reached the page'),
  score: text(10).describe('the chosen point on the programme scale'),
  // Longer than allowed so an oversized comment gets a friendly message, not a schema error;
  // the body limit stops anything larger.
  comment: text(MAX_COMMENT_LENGTH * 4).describe('free-text comment'),
  receipt_code: text(100).describe('optional single-use receipt code'),
  name: text(400),
  email: text(400),
  mobile: text(100),
  contact_requested: checkbox,
  prize_draw: checkbox,
  accept_terms: checkbox,
  accept_privacy: checkbox,
});
export type FeedbackForm = z.infer<typeof feedbackFormSchema>;

export const locationParamsSchema = z.object({
  locationCode: z.string().max(40),
  subMeasureCode: z.string().max(40).optional(),
});

export const pageQuerySchema = z.object({
  via: z.enum(['web', 'qr']).optional().default('web'),
  score: z.string().max(2).optional().describe('a score chosen in advance, e.g. from a link in an email'),
});

export type FieldName = 'score' | 'comment' | 'receipt_code' | 'name' | 'email' | 'mobile' | 'contact_requested' | 'prize_draw' | 'form';

export interface ValidSubmission {
  score: number;
  comment: string;
  receiptCode: string | null;
  contact: { name: string | null; email: string | null; mobile: string | null };
  contactRequested: boolean;
  prizeDraw: boolean;
}

export type SubmissionCheck = { ok: true; submission: ValidSubmission } | { ok: false; errors: Partial<Record<FieldName, string>> };


/** Turns a posted form into a submission the programme accepts, or messages a person understands. */
export function checkSubmission(
  form: FeedbackForm,
  scale: ScaleDefinition,
  options: { country: string; prizeDrawEnabled: boolean },
): SubmissionCheck {
  const errors: Partial<Record<FieldName, string>> = {};

  const scoreText = form.score.trim();
  const score = /^\d{1,2}$/.test(scoreText) ? Number(scoreText) : Number.NaN;
  if (scoreText === '') errors.score = 'Please choose a score.';
  else if (!(score >= scale.min && score <= scale.max)) errors.score = `Please choose a score from ${scale.min} to ${scale.max}.`;

  const comment = form.comment.replace(/\r\n/g, '\n').trim();
  if (comment.length > MAX_COMMENT_LENGTH) {
    errors.comment = `Your comment is ${comment.length.toLocaleString('en')} characters long; please shorten it to ${MAX_COMMENT_LENGTH.toLocaleString('en')}.`;
  }

  const receiptCode = form.receipt_code.replace(/[\s-]/g, '').toUpperCase();
  if (receiptCode && !/^[A-Z0-9]{4,32}$/.test(receiptCode)) {
    errors.receipt_code = 'That receipt code does not look right: it should be 4 to 32 letters and digits.';
  }

  const name = form.name.trim();
  if (name.length > 200) errors.name = 'Please shorten your name to 200 characters.';

  const emailText = form.email.trim();
  const email = emailText ? normaliseEmail(emailText) : null;
  if (email && !isPlainEmailAddress(email)) errors.email = 'Please enter an email address like name@example.com.';

  const mobileText = form.mobile.trim();
  const mobile = mobileText ? normaliseMobile(mobileText, options.country) : null;
  if (mobileText && !mobile) errors.mobile = 'Please enter a mobile number we can text, such as 021 123 4567.';

  if (form.contact_requested && !emailText && !mobileText) {
    errors.contact_requested = 'To be contacted, please give an email address or a mobile number.';
  }

  const prizeDraw = options.prizeDrawEnabled && form.prize_draw;
  if (prizeDraw) {
    if (!emailText && !mobileText) errors.prize_draw = 'To enter the draw, please give an email address or a mobile number so we can tell you if you win.';
    else if (!form.accept_terms || !form.accept_privacy) errors.prize_draw = 'To enter the draw, please accept its terms and the privacy policy.';
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    submission: {
      score,
      comment,
      receiptCode: receiptCode || null,
      contact: { name: name || null, email, mobile },
      contactRequested: form.contact_requested,
      prizeDraw,
    },
  };
}
