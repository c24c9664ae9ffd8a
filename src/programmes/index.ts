/**
 * Programmes and where feedback is given: a client's programmes, its locations (with their
 * hierarchy), their sub-measures (staff members, counters) and single-use receipt codes.
 */
export {
  createProgramme,
  createLocation,
  createSubMeasure,
  createReceiptCodes,
  type NewProgramme,
  type NewLocation,
  type NewSubMeasure,
} from './service.ts';
export { findFeedbackTarget, type FeedbackTarget } from './feedback-target.ts';
export { scaleOf, scales, scoreBandOf, scoreBands, type ScaleDefinition, type ScoreBandName } from './scales.ts';
