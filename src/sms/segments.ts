/** How many SMS segments an outgoing text costs, counted the way carriers (and Twilio) count them. */
import { SegmentedMessage } from 'sms-segments-calculator';

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  /** GSM-7 when every character is in the GSM 03.38 alphabet (basic or extension table), else UCS-2. */
  encoding: SmsEncoding;
  segments: number;
  /**
   * Code units the encoding spends: in GSM-7, septets (extension-table characters such as
   * € { } [ ] ~ \ | ^ take two); in UCS-2, UTF-16 code units (an emoji outside the BMP takes
   * two). One segment holds 160 septets or 70 code units; a segment of a longer message,
   * which carries a header, holds 153 or 67.
   */
  characters: number;
}

/**
 * The segments an SMS body costs. An empty body counts as 0 segments, since nothing is sent.
 * Twilio's "smart encoding" (replacing curly quotes and the like with GSM-7 look-alikes) is not
 * assumed: a body with ’ or “ is counted as UCS-2.
 */
export function countSegments(body: string): SegmentCount {
  if (body === '') return { encoding: 'GSM-7', segments: 0, characters: 0 };
  const message = new SegmentedMessage(body);
  return { encoding: message.encodingName, segments: message.segmentsCount, characters: codeUnitsOf(message) };
}

/**
 * The library's own `numberOfCharacters` counts graphemes for UCS-2 (an emoji as 1), which does
 * not match the 70 / 67 limits; its encoded characters carry the code units actually spent.
 */
function codeUnitsOf(message: SegmentedMessage): number {
  return message.encodedChars.reduce((total, encoded) => total + encoded.codeUnits.length, 0);
}
