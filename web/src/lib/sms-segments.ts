/**
 * How many SMS segments a text will cost, shown while a reply is written. The same library
 * the server counts with when it sends (sms-segments-calculator), so the two agree.
 */
import { SegmentedMessage } from 'sms-segments-calculator';

export interface SegmentEstimate {
  /** GSM-7: 160 characters in one segment; UCS-2 (anything outside GSM-7): 70. */
  encoding: 'GSM-7' | 'UCS-2';
  /** Characters as the encoding counts them (extension characters twice, emoji as two). */
  length: number;
  segments: number;
  /** How many characters fit in one segment at this length: 160/153 or 70/67. */
  perSegment: number;
  /** The first few characters that push the text out of GSM-7. */
  nonGsm: string[];
}

export function estimateSegments(text: string): SegmentEstimate {
  if (text === '') return { encoding: 'GSM-7', length: 0, segments: 0, perSegment: 160, nonGsm: [] };
  const message = new SegmentedMessage(text);
  const length = message.encodedChars.reduce((total, encoded) => total + encoded.codeUnits.length, 0);
  const gsm = message.encodingName === 'GSM-7';
  const single = gsm ? 160 : 70;
  return {
    encoding: message.encodingName,
    length,
    segments: message.segmentsCount,
    perSegment: length <= single ? single : gsm ? 153 : 67,
    nonGsm: [...new Set(message.getNonGsmCharacters())].slice(0, 3),
  };
}
