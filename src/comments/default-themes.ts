/**
 * The themes every client starts with; each client edits its own copy in settings.
 * Migration 0016 gave the clients of that time the same list (its term keys are these
 * keywords stemmed; default-themes.test.ts checks they agree).
 */
export const defaultThemes: readonly { name: string; keywords: readonly string[] }[] = [
  { name: 'Wait time', keywords: ['wait', 'queue', 'slow', 'delay', 'forever', 'ages', 'quick', 'fast', 'wait time', 'long wait'] },
  { name: 'Staff', keywords: ['staff', 'service', 'friendly', 'rude', 'helpful', 'team', 'barista', 'receptionist', 'manager', 'attitude', 'polite'] },
  { name: 'Price', keywords: ['price', 'expensive', 'cheap', 'value', 'overpriced', 'cost', 'pricey', 'charged', 'overcharged', 'fee', 'bill'] },
  { name: 'Cleanliness', keywords: ['clean', 'dirty', 'messy', 'tidy', 'hygiene', 'toilet', 'bathroom', 'sticky', 'smell', 'filthy', 'spotless'] },
  { name: 'Product quality', keywords: ['quality', 'food', 'coffee', 'taste', 'fresh', 'stale', 'cold', 'product', 'broken', 'delicious', 'repair'] },
];
