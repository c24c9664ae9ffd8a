/**
 * The report's typeface: Noto Sans, regular and bold, as the TrueType files of the
 * @expo-google-fonts/noto-sans package (read once from node_modules; nothing is downloaded
 * at run time). It covers Latin with every mark te reo Māori and European languages use,
 * Greek, Cyrillic and the usual typographic signs; pdfkit embeds only the glyphs a report
 * uses, so each PDF carries a few tens of kilobytes of it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { create } from 'fontkit';

export const REGULAR = 'NotoSans';
export const BOLD = 'NotoSans-Bold';

export interface ReportFonts {
  regular: Buffer;
  bold: Buffer;
  /** Whether both faces have a glyph for the code point. */
  covers(codePoint: number): boolean;
}

let loaded: ReportFonts | undefined;

function glyphCoverage(file: Buffer): (codePoint: number) => boolean {
  const font = create(file);
  if (!('hasGlyphForCodePoint' in font)) throw new Error('the report font file is a collection, not one font');
  return (codePoint) => font.hasGlyphForCodePoint(codePoint);
}

export function reportFonts(): ReportFonts {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    const regular = readFileSync(require.resolve('@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf'));
    const bold = readFileSync(require.resolve('@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf'));
    const [inRegular, inBold] = [glyphCoverage(regular), glyphCoverage(bold)];
    const known = new Map<number, boolean>();
    loaded = {
      regular,
      bold,
      covers(codePoint) {
        let answer = known.get(codePoint);
        if (answer === undefined) {
          answer = inRegular(codePoint) && inBold(codePoint);
          known.set(codePoint, answer);
        }
        return answer;
      },
    };
  }
  return loaded;
}

/**
 * Text as the report can print it: composed (NFC); a character the font lacks loses its
 * marks if the bare letter is there, else becomes "?" (an emoji, a script Noto Sans does
 * not cover); control characters become spaces.
 */
export function printable(text: string): string {
  const { covers } = reportFonts();
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) {
      out += ' ';
    } else if (covers(code)) {
      out += ch;
    } else if (code >= 0xfe00 && code <= 0xfe0f) {
      // A variation selector (emoji presentation) after a character already replaced.
    } else {
      const base = ch.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
      out += base && [...base].every((c) => covers(c.codePointAt(0) ?? 0)) ? base : '?';
    }
  }
  return out;
}
