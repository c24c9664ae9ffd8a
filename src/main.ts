/** The `hark` command line: serve, worker, migrate, seed. */
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, type Config } from './config.ts';
import type { DemoSummary } from './demo/index.ts';
import type { Role } from './start.ts';

/**
 * The rest of Hark (HTTP, database, queue) loads only when a command runs it, so `--help`
 * and configuration errors answer at once.
 */
async function load() {
  const [start, demo, migrate, logger] = await Promise.all([
    import('./start.ts'),
    import('./demo/index.ts'),
    import('./db/migrate.ts'),
    import('./logger.ts'),
  ]);
  return { ...start, ...demo, ...migrate, ...logger };
}

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

function printUrls(base: string, demo: DemoSummary | null, cfg: Config, mailDestination: string): void {
  const lines = [`Hark is ready at ${base}`, `  health:         ${base}/healthz`, `  API (OpenAPI):  ${base}/api/v1/openapi.json`];
  if (demo && demo.feedbackCount === 0) {
    lines.push(
      `The demo client "${demo.clientName}" is incomplete: loading it was interrupted. To start afresh, stop Hark and`,
      cfg.databaseUrl ? '  point DATABASE_URL at an empty database.' : `  delete the data folder ${cfg.dataDir}.`,
    );
  }
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
    if (demo.smsNumber) {
      for (const location of demo.locations) {
        if (location.smsCode) lines.push(`  sms: text ${location.smsCode} to ${demo.smsNumber}   (${location.name})`);
      }
      const staffCode = first?.subMeasureCodes[0];
      if (first?.smsCode && staffCode) lines.push(`  sms: text ${first.smsCode} ${staffCode.toUpperCase()} to ${demo.smsNumber}   (a staff member at ${first.name})`);
      lines.push(`  play the customer's phone: npm run hark -- sms${base === 'http://localhost:3000' ? '' : ` --url ${base}`}`);
    }
  }
  lines.push(`Portal: ${base}/portal/`);
  for (const login of demo?.logins ?? []) {
    lines.push(`  login: ${login.email} / ${login.password}   (${login.role}, ${login.scope})`);
  }
  if (demo?.operatorLogin) lines.push(`  login: ${demo.operatorLogin.email} / ${demo.operatorLogin.password}   (operator staff: the operator console)`);
  lines.push(`Mail from Hark goes to ${mailDestination}.`);
  console.log(lines.join('\n'));
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * SIGINT and SIGTERM stop Hark cleanly, including during start-up: a signal that arrives
 * before Hark is running is held until start-up reaches a safe point (so Ctrl-C while the
 * demo data loads never leaves half a demo client behind), then Hark stops and exits 0.
 * A second signal exits at once.
 */
class Shutdown {
  #stop: (() => Promise<void>) | undefined;
  #requested = false;
  readonly #waitingFor: string;

  /** `waitingFor` completes "stopping as soon as …" in the message a first signal prints. */
  constructor(waitingFor = 'start-up reaches a safe point') {
    this.#waitingFor = waitingFor;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => this.#signal(signal));
  }

  /** A signal arrived: start-up should skip what it has not begun. */
  get requested(): boolean {
    return this.#requested;
  }

  /** Hands over the way to stop; stops at once if a signal came during start-up. */
  running(stop: () => Promise<void>): void {
    this.#stop = stop;
    if (this.#requested) this.#run(stop);
  }

  #signal(signal: NodeJS.Signals): void {
    if (this.#requested) {
      console.error(`${signal} again: exiting without a clean stop`);
      process.exit(1);
    }
    this.#requested = true;
    if (this.#stop) {
      console.error(`${signal}: stopping: requests in flight and jobs in hand finish first (send it again to exit at once)`);
      this.#run(this.#stop);
    } else console.error(`${signal}: stopping as soon as ${this.#waitingFor} (send it again to exit at once)`);
  }

  #run(stop: () => Promise<void>): void {
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`Hark did not stop cleanly: ${messageOf(error)}`);
        process.exit(1);
      },
    );
  }
}

function announceStart(cfg: Config): void {
  console.log(`Starting Hark with ${cfg.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `its embedded database in ${cfg.dataDir}`}…`);
  if (cfg.databaseUrl && !cfg.masterKey) {
    // Every process on one database must hold the same master key; a key file is per machine.
    console.warn(
      `HARK_MASTER_KEY is not set: using the key file in ${cfg.dataDir}. Every Hark process on this database needs ` +
        'that same key: set HARK_MASTER_KEY (openssl rand -base64 32) before running more than one.',
    );
  }
}

const workerRunning = (metricsUrl: string | null) => (metricsUrl ? `Hark worker is running; metrics at ${metricsUrl}/metrics` : 'Hark worker is running.');

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
    const shutdown = new Shutdown();
    announceStart(cfg);
    const { startHark, createLogger, seedDemoIfEmpty } = await load();
    let demo: DemoSummary | null = null;
    const running = await startHark(cfg, {
      role: options.role,
      logger: createLogger(cfg),
      beforeReady: async (services) => {
        if (!options.demo || shutdown.requested) return;
        demo = await seedDemoIfEmpty(services, {
          onSeeding: () => console.log('The database is empty: loading the demo client (about six months of feedback)…'),
        });
      },
    });
    shutdown.running(() => running.stop());
    if (shutdown.requested) return;
    if (running.url) printUrls(running.services.publicUrl, demo, cfg, running.services.mailer.destination);
    else console.log(workerRunning(running.metricsUrl));
  });

program
  .command('worker')
  .description('run the job workers only (same as serve --role worker)')
  .action(async () => {
    const cfg = config();
    const shutdown = new Shutdown();
    announceStart(cfg);
    const { startHark, createLogger } = await load();
    const running = await startHark(cfg, { role: 'worker', logger: createLogger(cfg) });
    shutdown.running(() => running.stop());
    if (!shutdown.requested) console.log(workerRunning(running.metricsUrl));
  });

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const cfg = config();
    new Shutdown('the migrations have finished');
    const { openConfiguredDatabase, migrateToLatest } = await load();
    const database = await openConfiguredDatabase(cfg, { poolMax: 2 });
    try {
      const { applied } = await migrateToLatest(database.db);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date');
    } finally {
      await database.close();
    }
  });

program
  .command('seed')
  .description(
    'load the demo client into an empty database; does nothing when it is loaded already, and refuses ' +
      'when the database holds other clients, unless --force',
  )
  .option('--force', 'load the demo client even if other clients exist')
  .action(async (options: { force?: boolean }) => {
    const cfg = config();
    new Shutdown('the demo client is written whole');
    const { openServices, findDemo, seedDemo, seedDemoIfEmpty, DemoError } = await load();
    const { services, database } = await openServices(cfg, { supervise: false });
    try {
      // The checks run inside seedDemoIfEmpty, under the seed lock: a check made before it
      // could see another process's demo half written.
      const existing = options.force ? await findDemo(services) : null;
      let loaded = false;
      const demo = existing ?? (options.force ? await seedDemo(services) : await seedDemoIfEmpty(services, { onSeeding: () => (loaded = true) }));
      if (options.force && !existing) loaded = true;
      if (demo && loaded) console.log(`Loaded the demo client "${demo.clientName}": ${demo.locations.length} locations, ${demo.feedbackCount} feedback.`);
      else if (demo) console.log(`The demo client "${demo.clientName}" is loaded already (${demo.feedbackCount} feedback); nothing was added.`);
      else {
        console.error('The database holds other clients, so the demo client was not added. Use `hark seed --force` to add it anyway.');
        process.exitCode = 1;
      }
    } catch (error) {
      if (!(error instanceof DemoError)) throw error;
      console.error(`The demo client was not added: ${error.message}`);
      process.exitCode = 1;
    } finally {
      await services.jobs.stop();
      await services.mailer.close();
      await database.close();
    }
  });

const draw = program.command('draw').description('prize draws');
draw
  .command('verify <draw>')
  .description("re-run a prize draw from what it published (commitment, seed, entry list) and check its winners; exits 1 if anything disagrees")
  .action(async (drawId: string) => {
    const cfg = config();
    const { runDrawVerifyCommand } = await import('./prizes/verify-command.ts');
    process.exitCode = await runDrawVerifyCommand(cfg, drawId);
  });
draw
  .command('list')
  .description("a client's prize draws, newest period first, with their entrants (one per person) and status")
  .requiredOption('--client <client>', "the client's id, or its exact name")
  .option('--json', 'print the draws as the API gives them (GET /api/v1/prize-draws)')
  .action(async (options: { client: string; json?: boolean }) => {
    const cfg = config();
    new Shutdown('the command has finished');
    const { runDrawListCommand } = await import('./prizes/draw-commands.ts');
    process.exitCode = await runDrawListCommand(cfg, options);
  });
draw
  .command('run <draw>')
  .description("run a prize draw whose period has closed: freeze its entry list, reveal its seed, pick its winners (audited as operator staff); once per draw")
  .action(async (drawId: string) => {
    const cfg = config();
    new Shutdown('the draw is recorded');
    const { runDrawRunCommand } = await import('./prizes/draw-commands.ts');
    process.exitCode = await runDrawRunCommand(cfg, drawId);
  });

const retention = program.command('retention').description("each programme's retention period: what is past it is anonymised or deleted");
retention
  .command('run')
  .description('apply retention now and print the counts per table (the daily job does the same)')
  .option('--dry-run', 'report what would be anonymised, deleted and left alone, and change nothing')
  .action(async (options: { dryRun?: boolean }) => {
    const cfg = config();
    new Shutdown('the retention run has finished');
    const { runRetentionCommand } = await import('./retention/run-command.ts');
    process.exitCode = await runRetentionCommand(cfg, options.dryRun ?? false);
  });

program
  .command('sms')
  .description("play a customer's phone: text a running Hark and read its answers (HARK_SMS_PROVIDER=dev only)")
  .option('--url <url>', 'address of the running Hark (default: HARK_PUBLIC_URL, or http://localhost:$PORT)')
  .option('--to <number>', "the business's SMS number to text (default: the first; the others are listed)")
  .option('--from <mobile>', "this phone's number, e.g. +6421555999 (default: a made-up NZ mobile)")
  .action(async (options: { url?: string; to?: string; from?: string }) => {
    const { runDevPhone, defaultDevPhoneUrl } = await import('./sms/dev-phone.ts');
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    try {
      const { url = defaultDevPhoneUrl(config()), to, from } = options;
      await runDevPhone({ url, to, from, input: process.stdin, output: process.stdout, signal: stop.signal });
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    }
  });

const clientCommands = program.command('client').description('operator actions on one client');
clientCommands
  .command('terminate')
  .description("terminate a client: destroy its keys, delete all its data, jobs and audit chain, and issue a signed deletion certificate")
  .argument('<client>', "the client's id, or its exact name")
  .option('--confirm-name <name>', "the client's name typed again (default: asked for)")
  .option('--skip-export-check', 'terminate without a complete export made after its last data change (recorded in the certificate)')
  .option('--out <file>', 'also write the signed certificate to this new file')
  .action(async (client: string, options: { confirmName?: string; skipExportCheck?: boolean; out?: string }) => {
    const cfg = config();
    new Shutdown('the termination has finished');
    const { runTerminateCommand } = await import('./termination/terminate-command.ts');
    process.exitCode = await runTerminateCommand(cfg, client, options);
  });
clientCommands
  .command('export')
  .description("export all of a client's data to a zip: JSON Lines and CSV per kind, manifest.json (row counts, SHA-256 per file) and SCHEMA.md")
  .argument('<client>', "the client's id, or its exact name")
  .requiredOption('--out <file>', 'the zip to write (a new file)')
  .action(async (client: string, options: { out: string }) => {
    const cfg = config();
    new Shutdown('the export has finished');
    const { runExportCommand } = await import('./exports/export-command.ts');
    process.exitCode = await runExportCommand(cfg, client, options);
  });

const stats = program.command('stats').description('anonymised statistics for third parties');
stats
  .command('export')
  .description('release cell aggregates (suppressed, with Laplace noise) of contributing clients, charged to the privacy budget (HARK_STATS_EPSILON_BUDGET); exits 3 past the budget')
  .requiredOption('--period <period>', 'whole months: 2025-03, 2025-Q1, 2025, or a range such as 2024-07..2025-03')
  .requiredOption('--by <dimensions>', 'comma-separated: industry, region, month')
  .option('--epsilon <epsilon>', 'privacy budget this release spends (default 0.5)')
  .option('--out <file>', 'a new .csv or .json file (default: CSV to standard output)')
  .action(async (options: { period: string; by: string; epsilon?: string; out?: string }) => {
    const cfg = config();
    new Shutdown('the release is recorded');
    const { runStatsExportCommand } = await import('./statistics-release/export-command.ts');
    process.exitCode = await runStatsExportCommand(cfg, options);
  });

// Insights of one client, as its portal shows them (each look audited in its chain as operator staff).
const clientOption = ['--client <client>', "the client's id, or its exact name"] as const;
const reportCommands = program.command('report').description("a client's reports");
reportCommands
  .command('monthly')
  .description('write the monthly report PDF the portal downloads: the whole client, or one location and those below it')
  .requiredOption(...clientOption)
  .requiredOption('--month <month>', "the calendar month, YYYY-MM, in the client's timezone")
  .option('--location <location>', "only this location and those below it: its id, code or exact name")
  .requiredOption('--out <file>', 'the PDF to write (a new file)')
  .action(async (options: { client: string; month: string; location?: string; out: string }) => {
    const cfg = config();
    new Shutdown('the report is written');
    const { runMonthlyReportCommand } = await import('./reports/monthly/report-command.ts');
    process.exitCode = await runMonthlyReportCommand(cfg, options);
  });

program
  .command('rankings')
  .description('rank locations or staff fairly: raw score with its 95% interval, responses, and the figure ranked by (GET /api/v1/rankings)')
  .requiredOption(...clientOption)
  .requiredOption('--by <by>', 'location or staff')
  .requiredOption('--from <day>', "first day, YYYY-MM-DD, in the client's calendar")
  .requiredOption('--to <day>', 'last day, YYYY-MM-DD')
  .option('--location <location>', 'only this location and those below it: its id, code or exact name')
  .option('--rule <rule>', 'shrunk (default) or lower_bound')
  .option('--json', 'print the rankings as the API gives them')
  .action(async (options: { client: string; by: string; from: string; to: string; location?: string; rule?: string; json?: boolean }) => {
    const cfg = config();
    new Shutdown('the command has finished');
    const { runRankingsCommand } = await import('./reports/rankings-command.ts');
    process.exitCode = await runRankingsCommand(cfg, options);
  });

const commentCommands = program.command('comments').description("what a client's customers write");
commentCommands
  .command('cloud')
  .description('the words and phrases of the period’s comments, with how many comments use each and their average score (GET /api/v1/comments/cloud)')
  .requiredOption(...clientOption)
  .requiredOption('--from <day>', "first day, YYYY-MM-DD, in the client's calendar")
  .requiredOption('--to <day>', 'last day, YYYY-MM-DD')
  .option('--location <location>', 'only this location and those below it: its id, code or exact name')
  .option('--min-count <n>', 'leave out terms used by fewer comments (default 2)')
  .option('--limit <n>', 'at most this many terms (default 60, at most 200)')
  .option('--json', 'print the cloud as the API gives it')
  .action(async (options: { client: string; from: string; to: string; location?: string; minCount?: string; limit?: string; json?: boolean }) => {
    const cfg = config();
    new Shutdown('the command has finished');
    const { runCommentsCloudCommand } = await import('./comments/comments-command.ts');
    process.exitCode = await runCommentsCloudCommand(cfg, options);
  });
commentCommands
  .command('themes')
  .description("each theme's comment count and average score over the period (GET /api/v1/comments/theme-trends)")
  .requiredOption(...clientOption)
  .requiredOption('--from <day>', "first day, YYYY-MM-DD, in the client's calendar")
  .requiredOption('--to <day>', 'last day, YYYY-MM-DD')
  .option('--location <location>', 'only this location and those below it: its id, code or exact name')
  .option('--interval <interval>', 'day, week (default) or month: the points of the --json trend')
  .option('--json', 'print the theme trend as the API gives it')
  .action(async (options: { client: string; from: string; to: string; location?: string; interval?: string; json?: boolean }) => {
    const cfg = config();
    new Shutdown('the command has finished');
    const { runCommentsThemesCommand } = await import('./comments/comments-command.ts');
    process.exitCode = await runCommentsThemesCommand(cfg, options);
  });

program
  .command('benchmarks')
  .description("a client's score among similar businesses: its percentile and the cell's median and quartiles, or why the cell is hidden (GET /api/v1/benchmarks)")
  .requiredOption(...clientOption)
  .option('--period <period>', 'a month (2025-03), quarter (2025-Q1) or year (2025); default: last month')
  .option('--cell <cell>', 'industry (default) or region')
  .option('--json', 'print the benchmark as the API gives it')
  .action(async (options: { client: string; period?: string; cell?: string; json?: boolean }) => {
    const cfg = config();
    new Shutdown('the command has finished');
    const { runBenchmarksCommand } = await import('./benchmarks/benchmarks-command.ts');
    process.exitCode = await runBenchmarksCommand(cfg, options);
  });

const analytics = program.command('analytics').description("the operator's own website analytics");
analytics
  .command('summary')
  .description('visitors, views, top pages, sources, devices and average time on page over UTC days (GET /api/v1/operator/analytics)')
  .option('--from <day>', 'first day, YYYY-MM-DD (default: 29 days before --to)')
  .option('--to <day>', 'last day, YYYY-MM-DD (default: today, UTC)')
  .option('--json', 'print the figures as the API gives them')
  .action(async (options: { from?: string; to?: string; json?: boolean }) => {
    const cfg = config();
    new Shutdown('the command has finished');
    const { runAnalyticsSummaryCommand } = await import('./analytics/summary-command.ts');
    process.exitCode = await runAnalyticsSummaryCommand(cfg, options);
  });

const audit = program.command('audit').description('the hash-chained audit log');
audit
  .command('verify')
  .description("recompute every audit chain (each client's and the operator's); name the first bad entry; exit 1 on any break")
  .action(async () => {
    const cfg = config();
    new Shutdown('the verification has finished');
    const { openConfiguredDatabase } = await load();
    const { runAuditVerify } = await import('./audit/verify-command.ts');
    const database = await openConfiguredDatabase(cfg, { poolMax: 1 });
    try {
      process.exitCode = await runAuditVerify(database.db);
    } finally {
      await database.close();
    }
  });

program
  .command('backup')
  .description('back up the whole database into a new folder (data file and manifest.json); on the embedded database, with Hark stopped')
  .option('--out <dir>', 'folder to write the backup folder into (default: HARK_BACKUP_DIR)')
  .action(async (options: { out?: string }) => {
    const cfg = config();
    new Shutdown('the backup is written whole');
    const { runBackupCommand } = await import('./backups/commands.ts');
    process.exitCode = await runBackupCommand(cfg, options);
  });

program
  .command('restore')
  .description('restore a backup into an empty database or folder, then check it against its manifest')
  .argument('<backup>', 'the backup folder that `hark backup` wrote')
  .option('--into <url|dir>', 'an empty PostgreSQL database (postgres://…) or an empty folder (default: DATABASE_URL, or HARK_DATA_DIR/pgdata)')
  .action(async (backup: string, options: { into?: string }) => {
    const cfg = config();
    new Shutdown('the restore has finished');
    const { runRestoreCommand } = await import('./backups/commands.ts');
    process.exitCode = await runRestoreCommand(cfg, backup, options);
  });

const policy = program.command('policy').description("Hark's own privacy policy, served at /privacy");
policy
  .command('publish')
  .description('publish a file (Markdown, or plain text) as the next version of the privacy policy; the newest governs all data held')
  .argument('<file>', 'the whole policy, UTF-8, at most 256 KB')
  .option('--format <format>', 'markdown or text (default: text for .txt files, else markdown)', (value: string) => {
    if (value === 'markdown' || value === 'text') return value;
    throw new InvalidArgumentError('format must be markdown or text');
  })
  .action(async (file: string, options: { format?: 'markdown' | 'text' }) => {
    const cfg = config();
    new Shutdown('the policy is published');
    const { runPolicyPublishCommand } = await import('./privacy/policies/publish-command.ts');
    process.exitCode = await runPolicyPublishCommand(cfg, file, options);
  });

program.parseAsync().catch((error: unknown) => {
  // Failures are the operator's to fix: the message says what and how, no stack trace.
  const command = program.args[0] ?? '';
  console.error(command === 'serve' || command === 'worker' ? `Hark could not start: ${messageOf(error)}` : `hark ${command}: ${messageOf(error)}`);
  process.exit(1);
});
