/**
 * Whether text is one plain email address (name@example.com) that mail can be sent to as it
 * is: one @, a dot in the domain, at most 254 characters, and none of the characters that
 * make an address header say something else, a display name, a list, a group, a comment or
 * a quoted part: < > ( ) [ ] \ , ; : " and white space. Mail libraries read
 * `a<b@example.com>` as the address b@example.com, and `a'<'">b@x.y` as no address at all,
 * so such input is refused where it is typed, not found out when a mail fails to go.
 * Shared by the public forms that take an address (feedback, privacy requests).
 */
const plainEmailAddress = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

export function isPlainEmailAddress(text: string): boolean {
  return text.length <= 254 && plainEmailAddress.test(text);
}
