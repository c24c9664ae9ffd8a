/**
 * The operator's public marketing site: home, pricing and contact, server-rendered, one
 * small inline stylesheet, and the first-party analytics script (/a.js), which does nothing
 * under Do Not Track or Global Privacy Control. The privacy policy (/privacy) is served by
 * the privacy domain; these pages link to it.
 */
import { html, raw, type SafeHtml } from '../lib/html.ts';

export type SitePage = 'home' | 'pricing' | 'contact';

const nav: { page: SitePage | 'privacy'; href: string; label: string }[] = [
  { page: 'home', href: '/', label: 'Home' },
  { page: 'pricing', href: '/pricing', label: 'Pricing' },
  { page: 'contact', href: '/contact', label: 'Contact' },
  { page: 'privacy', href: '/privacy', label: 'Privacy' },
];

const styles = raw(`
*{box-sizing:border-box}
body{margin:0;font:17px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f7f7f4}
a{color:#0b4f8a}
a:focus-visible,.button:focus-visible{outline:3px solid #c25400;outline-offset:2px}
.skip{position:absolute;left:-999px}
.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:1}
header{background:#17456b;color:#fff}
.bar{max-width:60rem;margin:0 auto;padding:.75rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;justify-content:space-between}
.brand{color:#fff;font-weight:800;font-size:1.3rem;text-decoration:none}
header nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
header nav a{color:#fff;text-decoration:none;padding:.35rem .1rem;display:inline-block}
header nav a[aria-current=page]{border-bottom:3px solid #ffd27a}
header nav a:hover{text-decoration:underline}
main{max-width:60rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:2rem;line-height:1.2;margin:.5rem 0 1rem}
h2{font-size:1.35rem;margin:2rem 0 .5rem}
.lead{font-size:1.2rem;max-width:42rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr));gap:1rem;margin:1rem 0;padding:0;list-style:none}
.card{background:#fff;border:1px solid #d5d5cf;border-radius:.6rem;padding:1rem 1.1rem}
.card h2,.card h3{margin:.2rem 0 .4rem;font-size:1.15rem}
.price{font-size:1.6rem;font-weight:800;margin:.25rem 0}
.button{display:inline-block;background:#17456b;color:#fff;font-weight:700;text-decoration:none;padding:.7rem 1.1rem;border-radius:.5rem;margin:.25rem .5rem .25rem 0}
.button.quiet{background:#fff;color:#17456b;border:2px solid #17456b}
footer{border-top:1px solid #d5d5cf;color:#4a4a4a;font-size:.95rem}
footer .bar{justify-content:flex-start}
`);

function layout(current: SitePage, title: string, description: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><meta name="description" content="${description}"><style>${styles}</style>
<script src="/a.js" defer></script></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><div class="bar"><a class="brand" href="/">Hark</a>
<nav aria-label="Site"><ul>${nav.map(
    (item) => html`<li><a href="${item.href}"${item.page === current ? raw(' aria-current="page"') : ''}>${item.label}</a></li>`,
  )}<li><a href="/portal/">Sign in</a></li></ul></nav></div></header>
<main id="main">${body}</main>
<footer><div class="bar"><p>Hark is open-source software under the GNU Affero General Public License.</p>
<p><a href="/privacy">Privacy policy</a> · <a href="/contact">Contact</a></p></div></footer>
</body></html>`.value;
}

export function renderHomePage(): string {
  return layout(
    'home',
    'Hark · customer feedback in 30 seconds',
    'Hark is an open-source customer-feedback platform: customers rate a visit by text message, link or QR code, and your staff see it at once.',
    html`<h1>Hear from your customers while the visit is still fresh</h1>
<p class="lead">Hark is an open-source customer-feedback platform. Your customers rate their visit in 15 to 30 seconds — by texting a code from their receipt, by a link or a QR code — and your staff see the feedback at once, answer it and resolve complaints.</p>
<p><a class="button" href="/pricing">See pricing</a><a class="button quiet" href="/contact">Talk to us</a></p>
<h2>What it does</h2>
<ul class="cards">
<li class="card"><h3>Feedback by text, link or QR code</h3><p>A short form that works on any phone, without an app or an account, and without JavaScript.</p></li>
<li class="card"><h3>Alerts and answers</h3><p>A low score alerts the right people. Staff reply by email or text and follow each complaint until it is resolved.</p></li>
<li class="card"><h3>Scores and trends</h3><p>Scores per location and staff member, trends over time, and how you compare with similar businesses.</p></li>
<li class="card"><h3>Privacy built in</h3><p>Contact details are encrypted with a key of your business’s own, every staff read of them is logged, and feedback is deleted when its retention period ends.</p></li>
</ul>
<h2>Open source</h2>
<p>Hark’s source code is public under the GNU Affero General Public License. You can run it yourself on your own server, or have us run it for you. Nothing is locked away: both give you every feature.</p>
<h2>About this site</h2>
<p>This site counts its visitors with its own small script: no cookies, no third parties, and nothing at all when your browser asks not to be tracked. Our <a href="/privacy">privacy policy</a> says what we keep.</p>`,
  );
}

export function renderPricingPage(): string {
  return layout(
    'pricing',
    'Pricing · Hark',
    'Hark is free to run yourself. We can also host it for you.',
    html`<h1>Pricing</h1>
<p class="lead">Hark is free software. Every feature is in every installation; what you choose is who runs it.</p>
<ul class="cards">
<li class="card"><h2>Run it yourself</h2><p class="price">Free</p><p>Download Hark and run it on your own server, with PostgreSQL, or with its embedded database for a trial. You look after updates and backups.</p></li>
<li class="card"><h2>Hosted by us</h2><p class="price">Per location, per month</p><p>We run Hark for you: updates, backups, text-message numbers and email delivery. The price depends on how many locations you have and how many texts you send; <a href="/contact">ask us for a quote</a>.</p></li>
</ul>
<h2>Included either way</h2>
<ul>
<li>Unlimited feedback, staff accounts and locations</li>
<li>Feedback by text message, link, QR code and kiosk</li>
<li>Alerts, replies and complaint handling</li>
<li>Dashboards, monthly reports and benchmarks</li>
<li>Your data exported in a standard format whenever you ask</li>
</ul>
<p>Text messages are charged at what the SMS provider charges.</p>`,
  );
}

export function renderContactPage(email: string): string {
  return layout(
    'contact',
    'Contact · Hark',
    'How to reach the people who run this Hark site.',
    html`<h1>Contact</h1>
<p class="lead">Questions about Hark, a quote for hosting, or help with an account: write to us.</p>
<p>Email: <a href="mailto:${email}">${email}</a></p>
<p>We answer within two working days. For a question about personal information we hold, see our <a href="/privacy">privacy policy</a>, which says how to ask for it and how to complain.</p>`,
  );
}
