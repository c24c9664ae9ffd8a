/**
 * The PDF itself, from figures given directly (no database): an NPS report with a negative
 * score, a long staff table over a page break, te reo Māori names and typographic quotes
 * (printed as written, in the embedded Noto Sans), and comments with contact details and
 * emoji in them; read back with poppler's pdftotext and pdffonts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMonths } from './calendar.ts';
import type { MonthlyReport } from './gather-report.ts';
import { shortenComment } from './gather-report.ts';
import { printable } from './fonts.ts';
import { formatScore, renderMonthlyReportBuffer } from './render-pdf.ts';

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hark-pdf-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function textOf(pdf: Buffer): Promise<{ text: string; pages: number; fonts: string }> {
  const file = path.join(dir, 'report.pdf');
  await writeFile(file, pdf);
  const { stdout } = await run('pdftotext', ['-layout', file, '-']);
  const { stdout: info } = await run('pdfinfo', [file]);
  const { stdout: fonts } = await run('pdffonts', [file]);
  return { text: stdout, pages: Number(/Pages:\s+(\d+)/.exec(info)?.[1]), fonts };
}

const quoted = 'Kōwhai Café — “quoted” ā ē ī ō ū';

const estimate = (value: number, spread: number) => ({ value, low: value - spread, high: value + spread });

function npsReport(): MonthlyReport {
  const staff = Array.from({ length: 10 }, (_, i) => ({
    rank: i + 1,
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    name: `Staff member ${i + 1}`,
    locationId: '00000000-0000-4000-8000-000000000100',
    locationName: 'Tāmaki',
    responses: 30 - i,
    score: estimate(40 - i * 7.5, 20),
    shrunk: 30 - i,
    previous: { responses: 10, score: 12.5 },
    change: null,
  }));
  return {
    clientName: 'Ōtautahi Books',
    month: '2025-03',
    monthLabel: 'March 2025',
    asOf: '2025-04-02',
    scopeLabel: 'All locations',
    dashboard: {
      programme: { id: '00000000-0000-4000-8000-000000000001', name: 'Feedback' },
      scale: 'nps_10',
      scoreKind: 'nps',
      period: { from: '2025-03-01', to: '2025-03-31' },
      interval: 'day',
      responses: 155,
      score: estimate(-12.3, 14.1),
      topBox: null,
      channels: [
        { channel: 'sms', responses: 100 },
        { channel: 'web', responses: 55 },
        { channel: 'qr', responses: 0 },
        { channel: 'kiosk', responses: 0 },
        { channel: 'api', responses: 0 },
        { channel: 'email', responses: 0 },
      ],
      textVsOnline: { text: 100, online: 55 },
      trend: [],
      locations: [],
      subMeasures: [],
      ranking: '',
    },
    previous: { month: '2025-02', label: 'February 2025', responses: 120, score: 8.4 },
    change: { test: 'welch_t', difference: -20.7, t: -2.4, df: 250, pValue: 0.0171, significant: true },
    changeTest: "Welch's t-test (two-sided, 95%).",
    history: Array.from({ length: 12 }, (_, i) => ({ month: addMonths('2024-04', i), responses: i === 2 ? 0 : 100 + i * 5, score: i === 2 ? null : -20 + i * 3 })),
    locations: [
      { ...staff[0]!, name: 'Tāmaki', locationName: 'Tāmaki', responses: 155, score: estimate(-12.3, 14.1) },
      { ...staff[1]!, rank: 2, name: quoted, locationName: quoted, responses: 12, score: estimate(-20, 30) },
    ],
    staff,
    rankingRule: 'Ranked by the score shrunk towards the mean of this table (empirical Bayes).',
    themes: [{ name: 'wait time', comments: 14, averageRatingPercent: 42.5 }],
    comments: [
      { day: '2025-03-30', locationName: 'Tāmaki', score: 2, text: shortenComment('Slow 🐢 service.\n\nEmail me at aroha@example.co.nz or ring +64 21 555 0123 please') },
      { day: '2025-03-29', locationName: quoted, score: 9, text: shortenComment(`Ka pai! ${quoted}`) },
    ],
  };
}

describe('monthly report PDF', () => {
  it('prints NPS figures, the significance mark, a table over pages, and clean comments', async () => {
    const pdf = await renderMonthlyReportBuffer(npsReport());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const { text, pages, fonts } = await textOf(pdf);
    expect(text).toContain('Ōtautahi Books');
    expect(text).toContain('Monthly report: March 2025');
    expect(text).toContain('Net Promoter Score');
    expect(text).toMatch(/155\s+-12\.3\s+-20\.7 \*/);
    expect(text).toContain('significant at 95% (p = 0.017)');
    expect(text).toContain('95% interval -26.4 to 1.8');
    expect(text).toMatch(/Text \(SMS\)\s+100 \(64\.5%\)/);
    expect(text).toMatch(/10\s+Staff member 10\s+Tāmaki\s+21\s+-27\.5/);
    // Names and comments print as written: macrons, accents, dashes and curly quotes intact.
    expect(text).toMatch(new RegExp(`2\\s+${quoted}\\s+12\\s+-20\\.0`));
    expect(text).toContain(`2025-03-29 - ${quoted} - score 9`);
    expect(text).toContain(`"Ka pai! ${quoted}"`);
    expect(fonts).toMatch(/NotoSans-Regular\s+CID TrueType\s+Identity-H\s+yes yes yes/);
    expect(fonts).toMatch(/NotoSans-Bold\s+CID TrueType\s+Identity-H\s+yes yes yes/);
    expect(fonts).not.toContain('Helvetica');
    expect(text).toMatch(/wait time\s+14\s+42\.5%/);
    expect(text).toContain('Slow ? service. Email me at [removed] or ring [removed] please');
    expect(text).not.toContain('aroha@');
    expect(pages).toBeGreaterThanOrEqual(1);
  });

  it('keeps what the font can show and marks what it cannot', () => {
    expect(printable('Māori café – “good” −5 😀')).toBe('Māori café – “good” −5 ?');
    expect(printable('To\u0304ku\u0304 kai\tpai')).toBe('Tōkū kai pai'); // composed; a tab becomes a space
    expect(printable('東京 ✈️')).toBe('?? ?');
    expect(formatScore(-0.05, 'nps')).toBe('-0.1');
    expect(formatScore(4.2, 'mean')).toBe('4.20');
    expect(formatScore(null, 'mean')).toBe('-');
  });

  it('shortens long comments to one line', () => {
    const long = shortenComment(`${'word '.repeat(80)}`);
    expect(long.length).toBeLessThanOrEqual(220);
    expect(long.endsWith('…')).toBe(true);
  });
});
