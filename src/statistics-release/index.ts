/**
 * Anonymised statistics for third parties: releases of cell aggregates (by industry, region
 * and month) read from the monthly rollups of contributing clients, with suppression and
 * Laplace noise, each charged to the privacy budget. Owns the operator tables
 * statistics_releases and statistics_budget_ledger (migration 0020).
 */
export { statisticsReleaseRoutes } from './routes.ts';
export { createStatisticsRelease, listStatisticsReleases, findStatisticsRelease, readBudget, type ReleaseResult, type ReleaseSummary, type Budget } from './service.ts';
export { renderReleaseCsv, renderReleaseJson, releaseColumns } from './render.ts';
export { releaseRules, dimensions, type Dimension, type ReleasedCell } from './build-table.ts';
