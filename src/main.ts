/** The `hark` command line: serve, worker, migrate, seed. */
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openDatabase } from './db/connect.ts';
import { migrateToLatest } from './db/migrate.ts';
import { seedDemo, seedDemoIfEmpty, type DemoSummary } from './demo/index.ts';
import { createLogger } from './logger.ts';
import { openServices, startHark, type Role } from './start.ts';
import path from 'node:path';

function config(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

function printUrls(base: string, demo: DemoSummary | null): void {
  const lines = [`Hark is ready at ${base}`, `  health:         ${base}/healthz`, `  API (OpenAPI):  ${base}/api/v1/openapi.json`];
  if (demo) {
    const [first] = demo.locations;
    lines.push(`Demo client "${demo.clientName}" with ${demo.feedbackCount} feedback:`);
    for (const location of demo.locations) {
      lines.push(`  feedback page:  ${base}/f/${location.code}   (${location.name})`);
    }
    if (first) {
      if (first.subMeasureCodes[0]) lines.push(`  staff page:     ${base}/f/${first.code}/${first.subMeasureCodes[0]}`);
      lines.push(`  QR code:        ${base}/f/${first.code}/qr.svg   (also qr.png)`);
      if (first.receiptCode) lines.push(`  a receipt code: ${first.receiptCode}   (single use, ${first.name})`);
    }
  }
  lines.push('  portal:         the staff portal is not part of this release yet');
  console.log(lines.join('\n'));
}

function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      stop().then(
        () => process.exit(0),
        (error) => {
          console.error(error);
          process.exit(1);
        },
      );
    });
  }
}

const parseRole = (value: string): Role => {
  if (value === 'web' || value === 'worker' || value === 'all') return value;
  throw new InvalidArgumentError('role must be web, worker or all');
};

const program = new Command()
  .name('hark')
  .description('Hark: customer feedback by text, link and QR code')
  .showHelpAfterError();

program
  .command('serve')
  .description('start Hark: the HTTP server and, with role all, the job workers')
  .option('--role <role>', 'web, worker or all', parseRole, 'all' as Role)
  .option('--demo', 'load the demo client when the database is empty')
  .action(async (options: { role: Role; demo?: boolean }) => {
    const cfg = config();
    let demo: DemoSummary | null = null;
    const running = await startHark(cfg, {
      role: options.role,
      logger: createLogger(cfg),
      beforeReady: async (services) => {
        if (options.demo) demo = await seedDemoIfEmpty(services);
      },
    });
    onSignals(() => running.stop());
    if (running.url) printUrls(cfg.publicUrl, demo);
    else console.log('Hark worker is running.');
  });

program
  .command('worker')
  .description('run the job workers only (same as serve --role worker)')
  .action(async () => {
    const cfg = config();
    const running = await startHark(cfg, { role: 'worker', logger: createLogger(cfg) });
    onSignals(() => running.stop());
    console.log('Hark worker is running.');
  });

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const cfg = config();
    const database = await openDatabase({ databaseUrl: cfg.databaseUrl, pgliteDir: path.join(cfg.dataDir, 'pgdata'), poolMax: 2 });
    try {
      const { applied } = await migrateToLatest(database.db);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date');
    } finally {
      await database.close();
    }
  });

program
  .command('seed')
  .description('load the demo client (refuses if the database already has clients, unless --force)')
  .option('--force', 'add another demo client even if clients exist')
  .action(async (options: { force?: boolean }) => {
    const cfg = config();
    const { services, database } = await openServices(cfg, { supervise: false });
    try {
      const demo = options.force ? await seedDemo(services) : await seedDemoIfEmpty(services);
      if (!demo) console.log('the database already holds clients; nothing was added (use --force to add a demo client anyway)');
      else console.log(`demo client "${demo.clientName}" has ${demo.feedbackCount} feedback`);
    } finally {
      await services.jobs.stop();
      await services.mailer.close();
      await database.close();
    }
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
