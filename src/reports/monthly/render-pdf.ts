/**
 * Draws a monthly report as a PDF with pdfkit: text in Noto Sans (embedded, subset to the
 * glyphs used, so names like "Kōwhai Café" print as written), charts as vector lines and
 * rectangles. Returns the document as a stream: the caller pipes it to the answer or
 * collects it for an email; nothing is written to disk.
 */
import PDFDocument from 'pdfkit';
import type { Readable } from 'node:stream';
import { scales } from '../../programmes/index.ts';
import { BOLD, printable, REGULAR, reportFonts } from './fonts.ts';
import type { MonthlyReport } from './gather-report.ts';

const PAGE = { width: 595.28, height: 841.89, margin: 50 };
const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;
const INK = '#1f2933';
const MUTED = '#52606d';
const ACCENT = '#1d4ed8';
const RULE = '#cbd2d9';

/** A score as the report prints it: NPS to 0.1, means to 0.01; "-" for none. */
export function formatScore(value: number | null | undefined, kind: 'nps' | 'mean'): string {
  if (value === null || value === undefined) return '-';
  return value.toFixed(kind === 'nps' ? 1 : 2);
}

function signed(value: number, kind: 'nps' | 'mean'): string {
  const text = Math.abs(value).toFixed(kind === 'nps' ? 1 : 2);
  return value > 0 ? `+${text}` : value < 0 ? `-${text}` : text;
}

function shortMonth(month: string): string {
  const [y = 1970, m = 1] = month.split('-').map(Number);
  const name = new Intl.DateTimeFormat('en-NZ', { month: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 1)));
  return m === 1 ? `${name} ${String(y).slice(2)}` : name;
}

const scaleLabels = { recommend_5: '1-5 recommend scale', csat_5: '1-5 satisfaction scale', stars_5: '1-5 stars', nps_10: '0-10 scale' } as const;

type Doc = PDFKit.PDFDocument;

function ensureRoom(doc: Doc, height: number): void {
  if (doc.y + height > PAGE.height - PAGE.margin) doc.addPage();
}

function heading(doc: Doc, text: string): void {
  ensureRoom(doc, 60);
  doc.moveDown(0.8);
  doc.font(BOLD).fontSize(13).fillColor(INK).text(printable(text), PAGE.margin, doc.y, { width: CONTENT_WIDTH });
  const y = doc.y + 2;
  doc.moveTo(PAGE.margin, y).lineTo(PAGE.margin + CONTENT_WIDTH, y).lineWidth(0.5).strokeColor(RULE).stroke();
  doc.y = y + 6;
  doc.font(REGULAR).fontSize(10).fillColor(INK);
}

function note(doc: Doc, text: string): void {
  doc.font(REGULAR).fontSize(8.5).fillColor(MUTED).text(printable(text), PAGE.margin, doc.y, { width: CONTENT_WIDTH });
  doc.fillColor(INK).fontSize(10);
}

/** A simple table: column widths add up to the content width; text is clipped to one line per cell. */
function table(doc: Doc, columns: { title: string; width: number; align?: 'left' | 'right' }[], rows: string[][]): void {
  const rowHeight = 15;
  const drawRow = (cells: string[], bold: boolean) => {
    ensureRoom(doc, rowHeight + 2);
    const y = doc.y;
    let x = PAGE.margin;
    doc.font(bold ? BOLD : REGULAR).fontSize(9).fillColor(bold ? MUTED : INK);
    columns.forEach((column, i) => {
      doc.text(printable(cells[i] ?? ''), x + 2, y + 3, { width: column.width - 4, align: column.align ?? 'left', lineBreak: false, ellipsis: true, height: rowHeight });
      x += column.width;
    });
    doc.moveTo(PAGE.margin, y + rowHeight).lineTo(PAGE.margin + CONTENT_WIDTH, y + rowHeight).lineWidth(0.3).strokeColor(RULE).stroke();
    doc.y = y + rowHeight;
  };
  drawRow(columns.map((c) => c.title), true);
  for (const row of rows) drawRow(row, false);
  doc.x = PAGE.margin;
  doc.font(REGULAR).fontSize(10).fillColor(INK);
}

function drawKeyFigures(doc: Doc, report: MonthlyReport): void {
  const { dashboard, previous, change } = report;
  const kind = dashboard.scoreKind;
  const scoreName = kind === 'nps' ? 'Net Promoter Score' : `Mean score (${scaleLabels[dashboard.scale]})`;
  const top = doc.y + 4;
  const boxWidth = (CONTENT_WIDTH - 20) / 3;
  const boxes: [string, string, string][] = [
    ['Responses', String(dashboard.responses), `${previous.label}: ${previous.responses}`],
    [scoreName, formatScore(dashboard.score?.value, kind), dashboard.score ? `95% interval ${formatScore(dashboard.score.low, kind)} to ${formatScore(dashboard.score.high, kind)}` : 'no responses'],
    [
      `Change since ${previous.label}`,
      change ? `${signed(change.difference, kind)}${change.significant ? ' *' : ''}` : '-',
      change ? (change.significant ? `significant at 95% (p = ${change.pValue.toFixed(3)})` : `not significant (p = ${change.pValue.toFixed(3)})`) : 'too few responses to test',
    ],
  ];
  boxes.forEach(([label, value, detail], i) => {
    const x = PAGE.margin + i * (boxWidth + 10);
    doc.roundedRect(x, top, boxWidth, 70, 4).lineWidth(0.8).strokeColor(RULE).stroke();
    doc.font(REGULAR).fontSize(8.5).fillColor(MUTED).text(printable(label), x + 8, top + 8, { width: boxWidth - 16 });
    doc.font(BOLD).fontSize(20).fillColor(INK).text(printable(value), x + 8, top + 24, { width: boxWidth - 16 });
    doc.font(REGULAR).fontSize(8).fillColor(MUTED).text(printable(detail), x + 8, top + 50, { width: boxWidth - 16 });
  });
  doc.x = PAGE.margin;
  doc.y = top + 80;
  doc.fillColor(INK);
  const previousScore = previous.score === null ? 'no score' : `score ${formatScore(previous.score, kind)}`;
  note(doc, `${previous.label}: ${previous.responses} responses, ${previousScore}. * marks a change significant at 95%. ${report.changeTest}`);
}

/** Twelve months: responses as bars, the score as a line (vector drawing, no images). */
function drawTrendChart(doc: Doc, report: MonthlyReport): void {
  const kind = report.dashboard.scoreKind;
  const height = 150;
  ensureRoom(doc, height + 40);
  const left = PAGE.margin + 34;
  const right = PAGE.margin + CONTENT_WIDTH - 34;
  const top = doc.y + 6;
  const bottom = top + height;
  const [low, high] = kind === 'nps' ? [-100, 100] : [scales[report.dashboard.scale].min, scales[report.dashboard.scale].max];
  const points = report.history;
  const step = (right - left) / Math.max(1, points.length);
  const maxResponses = Math.max(1, ...points.map((p) => p.responses));

  // Axes and grid.
  doc.lineWidth(0.5).strokeColor(RULE);
  for (let i = 0; i <= 4; i += 1) {
    const y = bottom - (i / 4) * height;
    doc.moveTo(left, y).lineTo(right, y).stroke();
    const label = low + ((high - low) * i) / 4;
    doc.font(REGULAR).fontSize(7).fillColor(MUTED).text(printable(kind === 'nps' ? String(label) : label.toFixed(1)), PAGE.margin, y - 3, { width: 30, align: 'right', lineBreak: false });
  }
  doc.font(REGULAR).fontSize(7).fillColor(MUTED).text(String(maxResponses), right + 4, top - 3, { width: 30, lineBreak: false });
  doc.text('0', right + 4, bottom - 3, { width: 30, lineBreak: false });

  // Responses: light bars against the right-hand axis.
  points.forEach((p, i) => {
    const barHeight = (p.responses / maxResponses) * height;
    if (barHeight > 0) doc.rect(left + i * step + step * 0.2, bottom - barHeight, step * 0.6, barHeight).fillColor('#dbeafe').fill();
    doc.fillColor(MUTED).fontSize(7).text(printable(shortMonth(p.month)), left + i * step, bottom + 4, { width: step, align: 'center', lineBreak: false });
  });

  // Score: a line through the months that have one.
  const yOf = (score: number) => bottom - ((Math.min(high, Math.max(low, score)) - low) / (high - low)) * height;
  let drawing = false;
  doc.lineWidth(1.6).strokeColor(ACCENT);
  points.forEach((p, i) => {
    const x = left + i * step + step / 2;
    if (p.score === null) {
      drawing = false;
      return;
    }
    if (drawing) doc.lineTo(x, yOf(p.score));
    else doc.moveTo(x, yOf(p.score));
    drawing = true;
  });
  doc.stroke();
  points.forEach((p, i) => {
    if (p.score !== null) doc.circle(left + i * step + step / 2, yOf(p.score), 2.2).fillColor(ACCENT).fill();
  });
  doc.x = PAGE.margin;
  doc.y = bottom + 18;
  doc.fillColor(INK);
  note(doc, `Line: ${kind === 'nps' ? 'NPS (left axis)' : 'mean score (left axis)'}, by month. Bars: responses (right axis). Months without a score have no point.`);
}

function drawChannels(doc: Doc, report: MonthlyReport): void {
  const { channels, responses } = report.dashboard;
  const used = channels.filter((c) => c.responses > 0);
  if (used.length === 0) {
    doc.text('No responses this month.');
    return;
  }
  const labels: Record<string, string> = { sms: 'Text (SMS)', web: 'Web', qr: 'QR code', kiosk: 'Kiosk', api: 'API', email: 'Email' };
  const barLeft = PAGE.margin + 90;
  const barWidth = CONTENT_WIDTH - 190;
  for (const c of used) {
    ensureRoom(doc, 18);
    const y = doc.y;
    const share = c.responses / responses;
    doc.font(REGULAR).fontSize(9).fillColor(INK).text(labels[c.channel] ?? c.channel, PAGE.margin, y + 2, { width: 85, lineBreak: false });
    doc.rect(barLeft, y + 1, barWidth, 11).fillColor('#eef2f7').fill();
    doc.rect(barLeft, y + 1, Math.max(1, barWidth * share), 11).fillColor(ACCENT).fill();
    doc.fillColor(INK).text(`${c.responses} (${(share * 100).toFixed(1)}%)`, barLeft + barWidth + 8, y + 2, { width: 90, lineBreak: false });
    doc.y = y + 16;
  }
  doc.x = PAGE.margin;
}

function interval(row: { score: { low: number; high: number } | null }, kind: 'nps' | 'mean'): string {
  return row.score ? `${formatScore(row.score.low, kind)} to ${formatScore(row.score.high, kind)}` : '-';
}

/** The report as a PDF stream. */
export function renderMonthlyReportPdf(report: MonthlyReport): Readable {
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE.margin,
    info: { Title: `Monthly report ${report.monthLabel} – ${report.clientName}`, Author: 'Hark', Subject: 'Customer feedback monthly report' },
    lang: 'en-NZ',
    displayTitle: true,
  });
  const fonts = reportFonts();
  doc.registerFont(REGULAR, fonts.regular);
  doc.registerFont(BOLD, fonts.bold);
  const kind = report.dashboard.scoreKind;
  const scoreTitle = kind === 'nps' ? 'NPS' : 'Score';

  doc.font(REGULAR).fontSize(9).fillColor(MUTED).text(printable(report.clientName));
  doc.font(BOLD).fontSize(22).fillColor(INK).text(printable(`Monthly report: ${report.monthLabel}`));
  doc.font(REGULAR).fontSize(10).fillColor(MUTED).text(
    printable(`${report.scopeLabel} - programme ${report.dashboard.programme.name} - ${report.dashboard.period.from} to ${report.dashboard.period.to}${report.asOf <= report.dashboard.period.to ? ` (month to date, ${report.asOf})` : ''}`),
  );
  doc.fillColor(INK);

  heading(doc, 'Score and volume');
  drawKeyFigures(doc, report);

  heading(doc, 'Twelve-month trend');
  drawTrendChart(doc, report);

  heading(doc, 'Channel mix');
  drawChannels(doc, report);

  heading(doc, 'Locations, ranked');
  if (report.locations.length === 0) doc.text('No location had responses this month.');
  else {
    table(
      doc,
      [
        { title: '#', width: 30 },
        { title: 'Location', width: 225 },
        { title: 'Responses', width: 70, align: 'right' },
        { title: scoreTitle, width: 70, align: 'right' },
        { title: '95% interval', width: CONTENT_WIDTH - 395, align: 'right' },
      ],
      report.locations.map((r) => [String(r.rank), r.name, String(r.responses), formatScore(r.score?.value, kind), interval(r, kind)]),
    );
  }
  heading(doc, 'Staff, ranked');
  if (report.staff.length === 0) doc.text('No staff member had responses this month.');
  else {
    table(
      doc,
      [
        { title: '#', width: 30 },
        { title: 'Staff member', width: 135 },
        { title: 'Location', width: 120 },
        { title: 'Responses', width: 60, align: 'right' },
        { title: scoreTitle, width: 55, align: 'right' },
        { title: '95% interval', width: CONTENT_WIDTH - 400, align: 'right' },
      ],
      report.staff.map((r) => [String(r.rank), r.name, r.locationName, String(r.responses), formatScore(r.score?.value, kind), interval(r, kind)]),
    );
  }
  doc.moveDown(0.3);
  note(doc, report.rankingRule);

  if (report.themes) {
    heading(doc, 'Themes in comments');
    if (report.themes.length === 0) doc.text('No comment matched a theme this month.');
    else {
      table(
        doc,
        [
          { title: 'Theme', width: 255 },
          { title: 'Comments', width: 110, align: 'right' },
          { title: 'Average rating', width: CONTENT_WIDTH - 365, align: 'right' },
        ],
        report.themes.map((t) => [t.name, String(t.comments), t.averageRatingPercent === null ? '-' : `${t.averageRatingPercent.toFixed(1)}%`]),
      );
      note(doc, 'Average rating: the mean score of those comments as a share of the top of the scale.');
    }
  }

  heading(doc, 'Recent comments');
  if (report.comments.length === 0) doc.text('No comments this month.');
  for (const c of report.comments) {
    ensureRoom(doc, 40);
    doc.font(REGULAR).fontSize(8.5).fillColor(MUTED).text(printable(`${c.day} - ${c.locationName} - score ${c.score}`), PAGE.margin, doc.y);
    doc.font(REGULAR).fontSize(10).fillColor(INK).text(printable(`"${c.text}"`), PAGE.margin, doc.y, { width: CONTENT_WIDTH });
    doc.moveDown(0.4);
  }
  note(doc, 'The most recent comments of the month, shortened; email addresses and phone numbers in them are removed.');

  doc.end();
  return doc;
}

/** The whole PDF in memory (for an email attachment). */
export async function renderMonthlyReportBuffer(report: MonthlyReport): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of renderMonthlyReportPdf(report)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
