/**
 * Programmes and where feedback is given: a client's programmes, its locations (with their
 * hierarchy), their sub-measures (staff members, counters) and single-use receipt codes;
 * and the settings API (`programmeRoutes`) through which admins manage them.
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
export { findFeedbackTarget, findFeedbackTargetOfLocation, forgetFeedbackTargets, type FeedbackTarget } from './feedback-target.ts';
export { scaleOf, scales, scoreBandOf, scoreBands, type ScaleDefinition, type ScoreBandName } from './scales.ts';
export { programmeRoutes } from './routes.ts';
export {
  addLocation,
  addProgramme,
  addSubMeasure,
  listLocations,
  listProgrammes,
  updateLocation,
  updateProgramme,
  updateSubMeasure,
  type LocationRefusal,
  type ProgrammeRefusal,
  type SettingsResult,
  type SubMeasureRefusal,
} from './settings.ts';
