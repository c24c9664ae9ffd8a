/** Demo data: the client, programme, locations, staff and feedback a new installation starts with. */
export {
  seedDemo,
  seedDemoIfEmpty,
  findDemo,
  hasClients,
  DemoError,
  DEMO_CLIENT_NAME,
  DEMO_LOCATION_CODES,
  type DemoSummary,
  type SeedHooks,
} from './seed-demo.ts';
