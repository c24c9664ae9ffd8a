/**
 * What Hark adds to the AFINN-165 word list of the `sentiment` library for customer
 * feedback: words of service, food, waiting and repairs that AFINN lacks or scores for
 * general text (AFINN rates "fine" +2 and "like" +2; in feedback "it was fine" is lukewarm
 * and "tasted like water" is no praise), common emoji and emoticons (the library ships
 * none), and the words that turn or strengthen the sentiment of the words after them.
 */

/** Valence from -5 to +5, as AFINN. */
export const domainWords: Readonly<Record<string, number>> = {
  // service and speed
  quick: 2, quickly: 2, fast: 2, prompt: 1, promptly: 2, efficient: 2, smooth: 2, painless: 2, seamless: 2,
  slow: -2, slowly: -2, ages: -2, forever: -2, late: -1, delayed: -2, rushed: -2, hurry: -1,
  attentive: 2, knowledgeable: 2, thorough: 2, professional: 2, courteous: 2, polite: 2, patient: 2, welcoming: 2,
  reassuring: 2, convenient: 2, reasonable: 2, accommodating: 2, sensible: 1,
  unhelpful: -2, condescending: -2, dismissive: -2, judged: -2, impatient: -2, ignoring: -2, unfriendly: -2,
  legend: 3, legends: 3, fab: 3, awsome: 4, gr8: 3, thx: 2, ty: 2, cheers: 2, yum: 3, yay: 2,
  // food and drink
  tasty: 3, yummy: 3, cosy: 2, cozy: 2,
  bland: -2, stale: -2, soggy: -2, burnt: -2, lukewarm: -1, tasteless: -2, undrinkable: -3, overcooked: -2,
  runny: -1, raw: -1, horible: -3,
  // money
  overpriced: -2, overcharged: -3, pricey: -1, expensive: -1, ripped: -2, underwhelming: -2,
  // places and things
  spotless: 3, sticky: -1, filthy: -3, messy: -2, cramped: -1, freezing: -1, broken: -2, cracked: -2,
  faulty: -2, rubbish: -2, nightmare: -3, gross: -3, hassle: -2, hidden: -1, loose: -1,
  // AFINN's general-text scores that mislead in feedback
  fine: 1, like: 0, want: 0, no: 0, shame: -1, top: 1, fresh: 2, pain: -1, worth: 2, jab: 0, quality: 0,
  // what a customer expects and misses: "no apology", "never answers", "can't fault it"
  flu: 0, please: 0, apology: 1, apologised: 1, answer: 1, answers: 1, answered: 1, fault: -2, downhill: -2,
};

/** Emoji and emoticons as words: the tokenizer keeps them only when spaced apart, which `scoreSentiment` does. */
export const emojiWords: Readonly<Record<string, number>> = {
  '😀': 2, '😃': 2, '😄': 2, '😁': 2, '😊': 2, '🙂': 1, '😍': 3, '🥰': 3, '😘': 2, '❤': 3, '❤️': 3, '💕': 3,
  '👍': 2, '👌': 2, '🙏': 2, '👏': 2, '🎉': 2, '⭐': 2, '🌟': 2, '😋': 3, '🔥': 2, '💯': 2, '☕': 0,
  '👎': -2, '😡': -3, '😠': -3, '🤬': -4, '😤': -2, '😞': -2, '😔': -2, '😢': -2, '😭': -2, '😒': -2,
  '🙄': -2, '🤢': -3, '🤮': -3, '💩': -3, '😩': -2, '😫': -2, '😬': -1, '😐': 0, '🤔': 0,
  smile_emoticon: 2, frown_emoticon: -2,
};

/** Words that turn the sentiment of what follows within a few words ("not very good", "never had a bad coffee"). */
export const negators: ReadonlySet<string> = new Set([
  'not', 'no', 'never', 'nothing', 'none', 'nobody', 'neither', 'nor', 'without', 'hardly', 'barely',
  'cant', "can't", 'cannot', 'dont', "don't", 'doesnt', "doesn't", 'didnt', "didn't", 'isnt', "isn't",
  'wasnt', "wasn't", 'werent', "weren't", 'wont', "won't", 'wouldnt', "wouldn't", 'aint', "ain't",
  'havent', "haven't", 'hasnt', "hasn't", 'shouldnt', "shouldn't", 'couldnt', "couldn't",
]);

/** Words that strengthen the next sentiment word. */
export const intensifiers: Readonly<Record<string, number>> = {
  very: 1.3, really: 1.3, so: 1.3, super: 1.3, extremely: 1.5, absolutely: 1.5, totally: 1.3, incredibly: 1.5, way: 1.3, sooo: 1.5, soo: 1.4,
};

/** Words after which the second part of a comment carries its gist ("nice decor but the food was terrible"). */
export const contrastWords: ReadonlySet<string> = new Set(['but', 'however']);
