/**
 * Comments: the sentiment, themes and terms of every comment, computed in process by the
 * job that keeps each location-day's figures, seconds after ingest (and backfilled), the client's themes, and what reads them: the comments cloud,
 * the comments behind a term, theme trends and the inbox's sentiment and theme filters.
 * Owns comment_themes, comment_analysis, comment_terms and the two daily summaries.
 */
export { analyseComment, type CommentAnalysis } from './analyse-comment.ts';
export { analyseAllComments, analyseDayComments, recordCommentAnalyses, type CommentToAnalyse } from './record-analysis.ts';
export { createDefaultThemes } from './theme-admin.ts';
export { commentRoutes } from './routes.ts';
export { backfillCommentAnalysisJob, enqueueCommentBackfill, BACKFILL_COMMENTS_QUEUE } from './jobs/backfill-comment-analysis.ts';
export { retagCommentsJob, RETAG_COMMENTS_QUEUE } from './jobs/retag-comments.ts';
export { commentAnalysisCondition, themeExists } from './inbox-filter.ts';
export { findThemeTrend, type TrendResult } from './theme-trends.ts';
export const commentQueues = [
  { name: 'retag-comments', policy: 'short' as const, retryLimit: 5, retryDelaySeconds: 5 },
  { name: 'backfill-comment-analysis', policy: 'singleton' as const, retryLimit: 5, retryDelaySeconds: 30 },
];
