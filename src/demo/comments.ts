/**
 * Comment material for the demo data: written to read like what customers really type.
 * `composeComment` combines a core remark with the odd menu item, staff name and second
 * thought, so six months of feedback reads varied rather than the same fifty lines again.
 */

export const praise = [
  'Lovely staff, always remember my order',
  'Best flat white in town, as usual',
  'Quick service even though it was packed',
  '{staff} was brilliant, so friendly and chatty',
  'Really clean and the music was just right',
  'Food came out hot and fast. Will be back!',
  'great coffee great vibe',
  'The new breakfast menu is amazing, loved the hash stack',
  '{staff} sorted my order perfectly, thanks!',
  'Always a pleasure. Kids loved the fluffies',
  'Friendly team and the cabinet food is so fresh',
  'Perfect spot for a work meeting, wifi was fast',
  'Super welcoming, {staff} made my morning',
  'Consistently good. Never had a bad coffee here',
  'Loved the oat latte and the almond croissant',
  'Fast, friendly and the order was right first time',
  'Such a nice atmosphere on a rainy day',
  'Staff went out of their way to help with my pram',
  'really good',
  'yum!!',
  'Good value for the portion size',
  '10/10 would recommend to anyone',
];

export const middling = [
  'Coffee was good but the wait was a bit long',
  'Nice food, bit pricey for what it is',
  'Okay overall. Table was sticky when we sat down',
  'Pretty busy, took a while to get served',
  'Good coffee, music was too loud to talk',
  'Fine, nothing special',
  'Muffin was a little dry but the coffee was nice',
  'Service was friendly but they forgot my extra shot',
  'Would be great if you opened earlier on weekends',
  'Not bad. Could do with more vegan options',
  'Decent but the seating outside needs a clean',
  'ok',
  'Bit cold inside, heater was not on',
  'Coffee is good, the new cups leak though',
];

export const complaints = [
  'Waited 25 minutes for two coffees. Not good enough',
  'My order was wrong and nobody apologised',
  'Staff were more interested in chatting to each other than serving',
  'Eggs were cold and the toast was burnt',
  'Charged twice on my card, please sort this out',
  'Toilets were filthy',
  'Ordered gluten free and got a normal bun. Could have made me really sick',
  'Rude response when I asked about my order',
  'The coffee was burnt and bitter, had to throw it out',
  'Way too expensive for tiny portions',
  'Tables all dirty and no one cleared them the whole time we were there',
  'Found a hair in my salad',
  'Nobody answered the phone when I tried to change my order',
];

export const staffNames = [
  'Aroha', 'Ben', 'Chloe', 'Dev', 'Ella', 'Finn', 'Grace', 'Hemi', 'Isla', 'Jack', 'Kiri', 'Liam', 'Mia', 'Noah',
];

/** Menu items that turn up in comments. */
export const menuItems = [
  'flat white', 'oat latte', 'long black', 'mocha', 'chai latte', 'hot chocolate', 'cheese scone', 'banana bread',
  'eggs benedict', 'bacon and egg pie', 'avo toast', 'almond croissant', 'iced coffee', 'berry smoothie', 'bagel',
  'carrot cake', 'big breakfast', 'fluffy',
];

/** Remarks about one item, by how it went. */
const praiseOfItem = [
  'The {item} was spot on',
  'Best {item} I have had in ages',
  'Loved the {item}',
  '{item} was perfect today',
  'Came for the {item}, stayed for the vibe',
];
const middlingOfItem = [
  'The {item} was fine but nothing special',
  '{item} was a bit lukewarm',
  'Bit of a wait for the {item}',
  '{item} smaller than last time?',
];
const complaintOfItem = [
  'The {item} was cold by the time it came out',
  'My {item} tasted burnt, and for $9',
  'My {item} never arrived and nobody checked on us',
  'The {item} was stale',
];

export const suggestions = [
  'Would be great if you opened earlier on weekends',
  'Please bring back the {item}',
  'More seats outside would be nice in summer',
  'Could you do a loyalty card? I am in here every day',
  'Oat milk should not cost extra',
  'A few more gluten free options would be amazing',
  'Maybe a separate queue for takeaway coffees?',
  'Please put the wifi password somewhere visible',
  'Would love a decaf option after 2pm',
  'Some high chairs would help, we had to hold the baby the whole time',
  'Could you turn the music down a little in the mornings',
];

const onlinePraise = [
  'Order was ready right on time, easy pick up',
  'Online ordering is so easy, coffee ready when I walked in',
  'Love being able to order ahead on the way to work',
  'Quick and the order was exactly right',
];
const onlineComplaints = [
  'Online order said ready at 12:10, still waiting at 12:35',
  'Paid online but the order was never made',
  'The app charged me twice for the {item}',
  'Order ready notification came 20 minutes late, coffee was cold',
];

const afterthoughts: Record<'praise' | 'middling' | 'complaint' | 'suggestion', string[]> = {
  praise: ['Will be back!', 'Thanks team', 'Keep it up.', 'See you tomorrow', 'Made my day.', 'Cheers!', 'Highly recommend.', '{staff} is a legend.'],
  middling: ['Otherwise fine.', 'Still come most days though.', 'Not a big deal.', 'Hope it was a one off.', 'Coffee itself was good.'],
  complaint: [
    'Not the first time either.',
    'Really disappointing.',
    'Please call me about this.',
    'I used to love this place.',
    'Will not be back in a hurry.',
    'Nobody seemed to care.',
    'Expected better.',
  ],
  suggestion: ['Otherwise love it.', 'Just a thought!', 'Thanks :)', 'Great team though.'],
};

export type CommentKind = 'praise' | 'middling' | 'complaint' | 'suggestion';

/**
 * One comment of the given kind. `staff` is the staff member served by, if known; `online`
 * picks remarks that fit an online-order channel.
 */
export function composeComment(random: () => number, kind: CommentKind, context: { staff: string | null; online: boolean }): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const fits = (text: string): boolean => context.staff !== null || !text.includes('{staff}');
  const cores: Record<CommentKind, readonly string[]> = {
    praise: context.online && random() < 0.6 ? onlinePraise : random() < 0.3 ? praiseOfItem : praise,
    middling: random() < 0.3 ? middlingOfItem : middling,
    complaint: context.online && random() < 0.6 ? onlineComplaints : random() < 0.3 ? complaintOfItem : complaints,
    suggestion: suggestions,
  };
  let text = pick(cores[kind].filter(fits));
  if (random() < 0.35) {
    const extra = afterthoughts[kind].filter(fits);
    const next = pick(extra);
    if (/[.!?)]$/.test(text) || random() < 0.5) text = `${text}${/[.!?)]$/.test(text) ? '' : '.'} ${next}`;
    else text = `${text}, ${next.startsWith('{staff}') ? next : next.charAt(0).toLowerCase() + next.slice(1)}`;
  }
  text = text.replaceAll('{staff}', context.staff ?? '').replaceAll('{item}', pick(menuItems));
  text = text.charAt(0).toUpperCase() + text.slice(1);
  // People type on phones: some skip capitals and full stops.
  if (random() < 0.12) text = text.toLowerCase().replace(/[.]$/, '');
  return text;
}
