import { describe, expect, it } from 'vitest';
import type { Scale } from '../db/schema.ts';
import {
  HELP_KEYWORDS,
  MAX_INBOUND_LENGTH,
  START_KEYWORDS,
  STOP_KEYWORDS,
  classifyKeyword,
  isSkip,
  normaliseInbound,
  parseEmailAddress,
  parseName,
  parseScore,
  parseYesNo,
  splitCodeMessage,
  splitSubMeasureCode,
  type ScoreParse,
} from './reply-parsing.ts';

const FIVE_POINT_SCALES: Scale[] = ['recommend_5', 'csat_5', 'stars_5'];

function score(value: number, rest = ''): ScoreParse {
  return { kind: 'score', score: value, rest };
}

function outOfRange(value: number, scale: Scale): ScoreParse {
  return scale === 'nps_10' ? { kind: 'out_of_range', value, min: 0, max: 10 } : { kind: 'out_of_range', value, min: 1, max: 5 };
}

const NONE: ScoreParse = { kind: 'none' };

describe('normaliseInbound', () => {
  it('trims and turns line breaks and runs of whitespace into single spaces', () => {
    expect(normaliseInbound('  lovely\n\nstaff \t and\r\ncoffee  ')).toBe('lovely staff and coffee');
    expect(normaliseInbound('a\u2028b\u0085c')).toBe('a b c');
  });

  it('applies NFKC: full-width letters and digits, non-breaking spaces, ligatures', () => {
    expect(normaliseInbound('ＣＡＦＥ１ ５')).toBe('CAFE1 5');
    expect(normaliseInbound('a\u00a0b\u3000c')).toBe('a b c');
    expect(normaliseInbound('ﬁne')).toBe('fine');
  });

  it('drops zero-width spaces, word joiners, byte-order marks, soft hyphens and control characters', () => {
    expect(normaliseInbound('\uFEFF5\u200B')).toBe('5');
    expect(normaliseInbound('co\u00ADffee\u2060 cold\u0007')).toBe('coffee cold');
  });

  it('keeps joiners and variation selectors that build emoji', () => {
    expect(normaliseInbound('👨‍👩‍👧 ❤️ 4️⃣')).toBe('👨‍👩‍👧 ❤️ 4️⃣');
  });

  it('keeps letters with diacritics as they are', () => {
    expect(normaliseInbound('Ka pai, Āroha! Café')).toBe('Ka pai, Āroha! Café');
  });

  it('caps the text at 1600 characters without splitting an emoji', () => {
    expect(normaliseInbound('a'.repeat(2000))).toHaveLength(MAX_INBOUND_LENGTH);
    const emoji = normaliseInbound('😀'.repeat(1700));
    expect(Array.from(emoji)).toHaveLength(MAX_INBOUND_LENGTH);
    expect(emoji.endsWith('😀')).toBe(true);
  });

  it('gives an empty string for blank input', () => {
    expect(normaliseInbound(' \n\t\u200B ')).toBe('');
  });
});

describe('classifyKeyword', () => {
  it.each(STOP_KEYWORDS)('recognises %s as stop', (keyword) => {
    expect(classifyKeyword(keyword)).toBe('stop');
    expect(classifyKeyword(keyword.toLowerCase())).toBe('stop');
  });

  it.each(START_KEYWORDS)('recognises %s as start', (keyword) => {
    expect(classifyKeyword(keyword)).toBe('start');
  });

  it.each(HELP_KEYWORDS)('recognises %s as help', (keyword) => {
    expect(classifyKeyword(keyword)).toBe('help');
  });

  it('ignores case, spacing and surrounding punctuation', () => {
    expect(classifyKeyword('  Stop. ')).toBe('stop');
    expect(classifyKeyword('STOP!!!')).toBe('stop');
    expect(classifyKeyword('"stop"')).toBe('stop');
    expect(classifyKeyword('Opt-Out!')).toBe('stop');
    expect(classifyKeyword('stop   all')).toBe('stop');
    expect(classifyKeyword('\nhelp?\n')).toBe('help');
    expect(classifyKeyword('Ｓｔａｒｔ')).toBe('start');
  });

  it('does not treat YES as start: it answers the prize-draw question', () => {
    expect(classifyKeyword('YES')).toBeNull();
    expect(classifyKeyword('yes')).toBeNull();
  });

  it('needs the keyword to be the whole message', () => {
    expect(classifyKeyword('stop it, the coffee was cold')).toBeNull();
    expect(classifyKeyword('please stop')).toBeNull();
    expect(classifyKeyword('the end')).toBeNull();
    expect(classifyKeyword('help me find the toilets')).toBeNull();
    expect(classifyKeyword('stopped')).toBeNull();
    expect(classifyKeyword('s t o p')).toBeNull();
    expect(classifyKeyword('5')).toBeNull();
    expect(classifyKeyword('')).toBeNull();
  });
});

describe('parseScore: a score on its own', () => {
  it.each(FIVE_POINT_SCALES)('accepts 1 to 5 on %s', (scale) => {
    for (let value = 1; value <= 5; value++) expect(parseScore(String(value), scale)).toEqual(score(value));
  });

  it.each([
    ['4', 4],
    [' 4 ', 4],
    ['4.', 4],
    ['4!', 4],
    ['4/5', 4],
    ['4 / 5', 4],
    ['4 out of 5', 4],
    ['4 Out Of 5', 4],
    ['4 of 5', 4],
    ['four out of five', 4],
    ['five', 5],
    ['Four', 4],
    ['FIVE stars', 5],
    ['4 stars', 4],
    ['1 star', 1],
    ['4stars', 4],
    ['4⭐', 4],
    ['4 ⭐', 4],
    ['5 ⭐⭐⭐⭐⭐', 5],
    ['5*', 5],
    ['4/5 stars', 4],
    ['4️⃣', 4],
    ['4\u20E3', 4],
    ['⭐⭐⭐', 3],
    ['⭐️⭐️⭐️⭐️', 4],
    ['★★', 2],
    ['５', 5],
    ['05', 5],
    ['\uFEFF3\u200B', 3],
  ])('reads %j as %i', (text, value) => {
    expect(parseScore(text, 'csat_5')).toEqual(score(value));
  });

  it('reads 0 to 10 on the NPS scale, in digits, words and keycaps', () => {
    const words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
    for (let value = 0; value <= 10; value++) {
      expect(parseScore(String(value), 'nps_10')).toEqual(score(value));
      expect(parseScore(words[value] ?? '', 'nps_10')).toEqual(score(value));
    }
    expect(parseScore('🔟', 'nps_10')).toEqual(score(10));
    expect(parseScore('1️⃣0️⃣', 'nps_10')).toEqual(score(10));
    expect(parseScore('0️⃣', 'nps_10')).toEqual(score(0));
    expect(parseScore('10/10', 'nps_10')).toEqual(score(10));
    expect(parseScore('9 out of 10', 'nps_10')).toEqual(score(9));
  });
});

describe('parseScore: a score with a comment', () => {
  it.each([
    ['5 lovely staff', 5, 'lovely staff'],
    ['5, lovely staff', 5, 'lovely staff'],
    ['5,lovely staff', 5, 'lovely staff'],
    ['5 - lovely staff', 5, 'lovely staff'],
    ['5: lovely staff', 5, 'lovely staff'],
    ['5. Lovely staff.', 5, 'Lovely staff.'],
    ['5! Lovely staff!', 5, 'Lovely staff!'],
    ['five great coffee', 5, 'great coffee'],
    ['4 stars, a bit slow', 4, 'a bit slow'],
    ['4/5 lovely staff', 4, 'lovely staff'],
    ['4 out of 5 - slow service', 4, 'slow service'],
    ['4⭐ lovely staff', 4, 'lovely staff'],
    ['⭐⭐⭐⭐ lovely staff', 4, 'lovely staff'],
    ['4️⃣ slow service', 4, 'slow service'],
    ['5 :) lovely', 5, ':) lovely'],
    ['5\nLovely staff\n\nGreat coffee', 5, 'Lovely staff Great coffee'],
    ['one, the coffee was cold', 1, 'the coffee was cold'],
  ])('reads %j as %i with the comment %j', (text, value, rest) => {
    expect(parseScore(text, 'stars_5')).toEqual(score(value, rest));
  });

  it.each([
    ['lovely staff 5/5', 5, 'lovely staff'],
    ['great coffee, 4 out of 5', 4, 'great coffee'],
    ['great coffee, 4 of 5', 4, 'great coffee'],
    ['lovely staff. 5', 5, 'lovely staff'],
    ['lovely staff, 5', 5, 'lovely staff'],
    ['lovely staff - 5', 5, 'lovely staff'],
    ['lovely staff! 5', 5, 'lovely staff!'],
    ['Was the coffee good? Yes. 5', 5, 'Was the coffee good? Yes'],
    ['it was ok... 3', 3, 'it was ok'],
    ['Lovely staff\n5', 5, 'Lovely staff'],
    ['Thanks, five', 5, 'Thanks'],
    ['lovely staff 5 stars', 5, 'lovely staff'],
    ['lovely!! 5 stars', 5, 'lovely!!'],
    ['lovely staff 4⭐', 4, 'lovely staff'],
    ['slow service 2️⃣', 2, 'slow service'],
    ['great coffee 5/5 👍', 5, 'great coffee 👍'],
  ])('reads %j, with the score at the end, as %i with the comment %j', (text, value, rest) => {
    expect(parseScore(text, 'csat_5')).toEqual(score(value, rest));
  });

  it('prefers an explicit rating at the end to a number of things at the start', () => {
    expect(parseScore('2 coffees were great, 5/5', 'csat_5')).toEqual(score(5, '2 coffees were great'));
    expect(parseScore('20 minutes wait but great coffee, 4 out of 5', 'csat_5')).toEqual(
      score(4, '20 minutes wait but great coffee'),
    );
  });

  it('prefers an explicit rating at the start to a bare number at the end', () => {
    expect(parseScore('4/5. Table for 2. 3', 'csat_5')).toEqual(score(4, 'Table for 2. 3'));
  });
});

describe('parseScore: numbers off the scale', () => {
  it('reports a number outside 1–5 as out of range', () => {
    expect(parseScore('7', 'csat_5')).toEqual(outOfRange(7, 'csat_5'));
    expect(parseScore('0', 'csat_5')).toEqual(outOfRange(0, 'csat_5'));
    expect(parseScore('zero', 'stars_5')).toEqual(outOfRange(0, 'stars_5'));
    expect(parseScore('10', 'recommend_5')).toEqual(outOfRange(10, 'recommend_5'));
    expect(parseScore('ten', 'csat_5')).toEqual(outOfRange(10, 'csat_5'));
    expect(parseScore('🔟', 'csat_5')).toEqual(outOfRange(10, 'csat_5'));
    expect(parseScore('6 stars', 'stars_5')).toEqual(outOfRange(6, 'stars_5'));
    expect(parseScore('100', 'csat_5')).toEqual(outOfRange(100, 'csat_5'));
  });

  it('reports a number outside 0–10 as out of range on the NPS scale', () => {
    expect(parseScore('11', 'nps_10')).toEqual(outOfRange(11, 'nps_10'));
    expect(parseScore('11/10', 'nps_10')).toEqual(outOfRange(11, 'nps_10'));
  });

  it('never rescales a rating out of another number', () => {
    expect(parseScore('7/10', 'csat_5')).toEqual(outOfRange(7, 'csat_5'));
    expect(parseScore('4/10', 'csat_5')).toEqual(outOfRange(4, 'csat_5'));
    expect(parseScore('lovely staff, 8 out of 10', 'stars_5')).toEqual(outOfRange(8, 'stars_5'));
    expect(parseScore('4/5', 'nps_10')).toEqual(outOfRange(4, 'nps_10'));
    expect(parseScore('6/5', 'csat_5')).toEqual(outOfRange(6, 'csat_5'));
  });
});

describe('parseScore: replies that give no score', () => {
  it.each([
    'the coffee was cold',
    'I waited 20 minutes for my 2 coffees',
    'lovely staff 5',
    'table 5',
    'I would say 4',
    'no one served me',
    'someone',
    '',
    '   ',
    'STOP',
    'yes',
  ])('finds no score in %j', (text) => {
    expect(parseScore(text, 'csat_5')).toEqual(NONE);
  });

  it.each(['4.5', '4,5', '3.0', '3-4', '3 - 4', '4 or 5', '4 to 5', '4, 5', '5 5', 'coffee 3-4', 'rating 4.5'])(
    'answers none to the non-integer or range %j rather than guess',
    (text) => {
      expect(parseScore(text, 'csat_5')).toEqual(NONE);
    },
  );

  it.each([
    '20 minutes wait',
    '5 minutes late',
    '2 of us came',
    '2 of 5 coffees were cold',
    '3 people served me',
    '1/2 hour wait',
    '5pm was busy',
    '5 pm',
    '10am',
    '5%',
    '$5 coffee',
    '5th visit, lovely',
    '2x flat white',
    'one of the best',
    'one coffee was cold',
    'one more thing',
  ])('does not take the quantity or time in %j for a score', (text) => {
    expect(parseScore(text, 'csat_5')).toEqual(NONE);
  });

  it.each(['4:30', '5/6/24', '2024', '021 123 4567', '12345'])('does not take the time, date or long number %j for a score', (text) => {
    expect(parseScore(text, 'nps_10')).toEqual(NONE);
  });
});

describe('parseYesNo', () => {
  it.each(['yes', 'Y', 'yeah', 'Yep', 'yup', 'sure', 'ok', 'OK.', 'okay', 'please', 'yes please', 'Yes, please!', 'YES!!', '👍', '👍🏽', '✅', ' yes '])(
    'reads %j as yes',
    (text) => {
      expect(parseYesNo(text)).toBe('yes');
    },
  );

  it.each(['no', 'N', 'nope', 'no thanks', 'No, thanks.', 'nah', 'skip', 'SKIP', '👎', '👎🏻'])('reads %j as no', (text) => {
    expect(parseYesNo(text)).toBe('no');
  });

  it.each(['', 'maybe', 'yes I would love to', 'no way was that coffee hot', 'yesterday', 'know', 'stop', '5', '👍👎'])(
    'reads %j as neither',
    (text) => {
      expect(parseYesNo(text)).toBeNull();
    },
  );
});

describe('isSkip', () => {
  it.each(['no', 'No.', 'nope', 'n', 'skip', 'Skip!', 'none', 'nothing', 'nah', 'no comment', 'No comment.', 'no comments', 'no thanks', '-', '.', '...', '--', 'n/a', 'N/A', 'nothing to add'])(
    'takes %j as nothing to add',
    (text) => {
      expect(isSkip(text)).toBe(true);
    },
  );

  it.each(['', '?', 'no milk in my coffee', 'nothing was right', 'the coffee was cold', 'yes', '5', 'none of the staff smiled'])(
    'takes %j as a comment or another answer',
    (text) => {
      expect(isSkip(text)).toBe(false);
    },
  );
});

describe('splitSubMeasureCode', () => {
  it('lower-cases the first word as a staff code and keeps the rest', () => {
    expect(splitSubMeasureCode('ANNA', 'recommend_5')).toEqual({ code: 'anna', rest: '' });
    expect(splitSubMeasureCode('Anna, 5 lovely', 'recommend_5')).toEqual({ code: 'anna', rest: '5 lovely' });
    expect(splitSubMeasureCode('TILL-2   4', 'recommend_5')).toEqual({ code: 'till-2', rest: '4' });
  });

  it('takes a word that reads as a score on the scale as the score, not a code', () => {
    expect(splitSubMeasureCode('5 great', 'recommend_5')).toBeNull();
    expect(splitSubMeasureCode('five', 'recommend_5')).toBeNull();
    expect(splitSubMeasureCode('9 fine', 'nps_10')).toBeNull();
    // Out of the scale's range, a number may be a code; so may a word that only ends in one.
    expect(splitSubMeasureCode('12', 'recommend_5')).toEqual({ code: '12', rest: '' });
    expect(splitSubMeasureCode('10', 'nps_10')).toBeNull();
    expect(splitSubMeasureCode('till-2', 'nps_10')).toEqual({ code: 'till-2', rest: '' });
  });

  it('returns null for nothing, or a word no code can be', () => {
    expect(splitSubMeasureCode('', 'recommend_5')).toBeNull();
    expect(splitSubMeasureCode('-anna', 'recommend_5')).toBeNull();
    expect(splitSubMeasureCode('the_best', 'recommend_5')).toBeNull();
    expect(splitSubMeasureCode('a'.repeat(41), 'recommend_5')).toBeNull();
  });
});

describe('splitCodeMessage', () => {
  it('upper-cases the first word as the code and keeps the rest', () => {
    expect(splitCodeMessage('cafe1 5 lovely staff')).toEqual({ code: 'CAFE1', rest: '5 lovely staff' });
    expect(splitCodeMessage('  Cafe1,   5\nlovely staff ')).toEqual({ code: 'CAFE1', rest: '5 lovely staff' });
    expect(splitCodeMessage('CAFE1!')).toEqual({ code: 'CAFE1', rest: '' });
    expect(splitCodeMessage('ＣＡＦＥ１ hi')).toEqual({ code: 'CAFE1', rest: 'hi' });
  });

  it('accepts codes of 2 to 32 letters and digits', () => {
    expect(splitCodeMessage('AB')).toEqual({ code: 'AB', rest: '' });
    expect(splitCodeMessage('10')).toEqual({ code: '10', rest: '' });
    expect(splitCodeMessage('A'.repeat(32))).toEqual({ code: 'A'.repeat(32), rest: '' });
  });

  it('returns null when the first word cannot be a code', () => {
    expect(splitCodeMessage('')).toBeNull();
    expect(splitCodeMessage('   ')).toBeNull();
    expect(splitCodeMessage('5')).toBeNull();
    expect(splitCodeMessage('A'.repeat(33))).toBeNull();
    expect(splitCodeMessage('café1 5')).toBeNull();
    expect(splitCodeMessage('cafe-1 5')).toBeNull();
    expect(splitCodeMessage('😀 hi')).toBeNull();
  });
});

describe('parseEmailAddress', () => {
  it('reads an address on its own or in a sentence, lower-cased', () => {
    expect(parseEmailAddress('Sarah.Jones@Example.COM')).toBe('sarah.jones@example.com');
    expect(parseEmailAddress('  my email is sarah+feedback@example.co.nz. thanks')).toBe('sarah+feedback@example.co.nz');
    expect(parseEmailAddress('<sarah@example.com>')).toBe('sarah@example.com');
    expect(parseEmailAddress('(sarah@example.com),')).toBe('sarah@example.com');
    expect(parseEmailAddress('mailto:sarah@example.com')).toBe('sarah@example.com');
  });

  it('accepts the same address given twice', () => {
    expect(parseEmailAddress('sarah@example.com or SARAH@example.com')).toBe('sarah@example.com');
  });

  it('returns null for no address, an invalid one, or two different ones', () => {
    expect(parseEmailAddress('')).toBeNull();
    expect(parseEmailAddress('sarah at example dot com')).toBeNull();
    expect(parseEmailAddress('sarah@example')).toBeNull();
    expect(parseEmailAddress('sarah@@example.com')).toBeNull();
    expect(parseEmailAddress('@hark thanks')).toBeNull();
    expect(parseEmailAddress('sarah@example.com or sam@example.com')).toBeNull();
  });

  it('ignores a handle beside a valid address', () => {
    expect(parseEmailAddress('sarah@example.com @hark')).toBe('sarah@example.com');
  });
});

describe('parseName', () => {
  it.each([
    ['Sarah', 'Sarah'],
    ['  Sarah Jones. ', 'Sarah Jones'],
    ['my name is Sarah', 'Sarah'],
    ['My name’s Sarah!', 'Sarah'],
    ["I'm Sarah", 'Sarah'],
    ['I’m Āroha Te Whatu', 'Āroha Te Whatu'],
    ['i am Sam', 'Sam'],
    ["It's Jo", 'Jo'],
    ['this is Mere', 'Mere'],
    ['Name: Bob Smith', 'Bob Smith'],
    ["Seán O'Brien-Murphy", "Seán O'Brien-Murphy"],
    ['J', 'J'],
    ['李小龍', '李小龍'],
  ])('reads %j as %j', (text, name) => {
    expect(parseName(text)).toBe(name);
  });

  it('accepts 100 characters but not 101', () => {
    expect(parseName('a'.repeat(100))).toBe('a'.repeat(100));
    expect(parseName('a'.repeat(101))).toBeNull();
  });

  it.each(['', '   ', "I'm", 'my name is', '12345', '...', 'STOP', 'help', 'sarah@example.com', 'my name is sarah@example.com', 'no', 'skip', 'yes', 'n/a'])(
    'does not take %j for a name',
    (text) => {
      expect(parseName(text)).toBeNull();
    },
  );
});
