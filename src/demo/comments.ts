/** Comment material for the demo data: written to read like what customers really type. */

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
  'Online order said ready at 12:10, still waiting at 12:35',
  'Found a hair in my salad',
  'Nobody answered the phone when I tried to change my order',
];

export const staffNames = [
  'Aroha', 'Ben', 'Chloe', 'Dev', 'Ella', 'Finn', 'Grace', 'Hemi', 'Isla', 'Jack', 'Kiri', 'Liam', 'Mia', 'Noah',
];
