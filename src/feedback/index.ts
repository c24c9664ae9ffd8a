/**
 * Feedback: the public pages where end customers give feedback, and storing it (with its
 * receipt code, contact details, consents and prize-draw entry) exactly once; the
 * portal's inbox and detail of it; and the feedback.updated webhook event other domains
 * raise when they change a feedback.
 */
export { feedbackRoutes } from './routes.ts';
export { inboxRoutes } from './inbox-routes.ts';
export { findFeedbackDetail, listInbox, updateFeedback } from './inbox.ts';
export { enqueueFeedbackUpdated, type FeedbackChange } from './feedback-updated.ts';
export { insertFeedback, recordConsentsAndEntry, submitFeedback, type FeedbackToStore, type SubmitResult } from './submit-feedback.ts';
export { checkSubmission, type ValidSubmission } from './schemas.ts';
export { issueFormToken } from './form-token.ts';
export { renderProblemPage, renderPublicPage } from './pages.ts';
