/** Demo data: the client, programme, locations, staff and feedback a new installation starts with. */
export { seedDemo, seedDemoIfEmpty, DEMO_CLIENT_NAME, type DemoSummary } from './seed-demo.ts';
