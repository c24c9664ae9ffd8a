/**
 * Benchmarks: where a business stands among similar ones (same industry, optionally same
 * region). Owns each client's benchmark profile (industry, region, whether it contributes)
 * and the suppression rules; the cross-client figures come only from the database function
 * `hark_benchmark_cell`, which returns cell aggregates and never a row per client.
 */
export { benchmarkRoutes } from './routes.ts';
export { industries, regions, thresholds, type IndustryId, type RegionId } from './cells.ts';
export { buildBenchmarks, resolveMonths } from './service.ts';
