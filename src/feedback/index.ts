/**
 * Feedback: the public pages where end customers give feedback, and storing it (with its
 * receipt code, contact details, consents and prize-draw entry) exactly once.
 */
export { feedbackRoutes } from './routes.ts';
export { submitFeedback, type SubmitResult } from './submit-feedback.ts';
export { checkSubmission, type ValidSubmission } from './schemas.ts';
export { issueFormToken } from './form-token.ts';
export { renderProblemPage } from './pages.ts';
