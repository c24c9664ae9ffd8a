import { describe, expect, it } from 'vitest';
import { countSegments } from './segments.ts';

describe('countSegments for GSM-7 text', () => {
  it('fits 160 characters in one segment and 153 in each segment of a longer message', () => {
    expect(countSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', segments: 1, characters: 160 });
    expect(countSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', segments: 2, characters: 161 });
    expect(countSegments('a'.repeat(306))).toEqual({ encoding: 'GSM-7', segments: 2, characters: 306 });
    expect(countSegments('a'.repeat(307))).toEqual({ encoding: 'GSM-7', segments: 3, characters: 307 });
    expect(countSegments('a'.repeat(459)).segments).toBe(3);
    expect(countSegments('a'.repeat(460)).segments).toBe(4);
  });

  it('counts a short message as one segment', () => {
    expect(countSegments('Thanks! How was your visit today? Reply 1-5.')).toEqual({ encoding: 'GSM-7', segments: 1, characters: 44 });
  });

  it('counts extension-table characters as two', () => {
    for (const char of ['€', '{', '}', '[', ']', '~', '\\', '|', '^']) {
      expect(countSegments(char), char).toEqual({ encoding: 'GSM-7', segments: 1, characters: 2 });
    }
    expect(countSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', segments: 1, characters: 160 });
    expect(countSegments('€'.repeat(81))).toEqual({ encoding: 'GSM-7', segments: 2, characters: 162 });
  });

  it('keeps the accented letters of the GSM basic table in GSM-7', () => {
    for (const char of ['é', 'è', 'ù', 'ì', 'ò', 'à', 'É', 'Ç', 'Ä', 'Ö', 'Ñ', 'Ü', 'ä', 'ö', 'ñ', 'ü', 'ß', 'Å', 'å', 'Ø', 'ø', 'Æ', 'æ', '£', '¥', '§', '¿', '¡']) {
      expect(countSegments(char), char).toEqual({ encoding: 'GSM-7', segments: 1, characters: 1 });
    }
  });

  it('counts line breaks as characters', () => {
    expect(countSegments('a\nb').characters).toBe(3);
    expect(countSegments('a\r\nb').characters).toBe(4);
  });

  it('counts an empty body as nothing to send', () => {
    expect(countSegments('')).toEqual({ encoding: 'GSM-7', segments: 0, characters: 0 });
  });
});

describe('countSegments for UCS-2 text', () => {
  it('fits 70 characters in one segment and 67 in each segment of a longer message', () => {
    expect(countSegments('ж'.repeat(70))).toEqual({ encoding: 'UCS-2', segments: 1, characters: 70 });
    expect(countSegments('ж'.repeat(71))).toEqual({ encoding: 'UCS-2', segments: 2, characters: 71 });
    expect(countSegments('ж'.repeat(134))).toEqual({ encoding: 'UCS-2', segments: 2, characters: 134 });
    expect(countSegments('ж'.repeat(135))).toEqual({ encoding: 'UCS-2', segments: 3, characters: 135 });
  });

  it('switches the whole message to UCS-2 for one emoji', () => {
    expect(countSegments('a'.repeat(100))).toEqual({ encoding: 'GSM-7', segments: 1, characters: 100 });
    expect(countSegments(`${'a'.repeat(99)}😀`)).toEqual({ encoding: 'UCS-2', segments: 2, characters: 101 });
  });

  it('counts an emoji outside the BMP as two code units', () => {
    expect(countSegments('😀')).toEqual({ encoding: 'UCS-2', segments: 1, characters: 2 });
    expect(countSegments('😀'.repeat(35))).toEqual({ encoding: 'UCS-2', segments: 1, characters: 70 });
    expect(countSegments('😀'.repeat(36))).toEqual({ encoding: 'UCS-2', segments: 2, characters: 72 });
  });

  it('counts GSM extension characters as one code unit once the message is UCS-2', () => {
    expect(countSegments('€ж')).toEqual({ encoding: 'UCS-2', segments: 1, characters: 2 });
  });

  it('counts every code unit of a joined emoji and of a keycap', () => {
    expect(countSegments('👨‍👩‍👧').characters).toBe(8);
    expect(countSegments('4️⃣').characters).toBe(3);
  });

  it('needs UCS-2 for accented letters outside the GSM basic table', () => {
    // ê, ç (lower case; only Ç is in the table) and the macron of te reo Māori are not GSM-7.
    for (const text of ['ê', 'ç', 'Māori', 'ō']) {
      expect(countSegments(text).encoding, text).toBe('UCS-2');
    }
  });

  it('needs UCS-2 for curly quotes and a non-breaking space (no smart encoding)', () => {
    for (const text of ['It’s', '“hi”', 'a\u00a0b']) {
      expect(countSegments(text).encoding, text).toBe('UCS-2');
    }
  });
});
