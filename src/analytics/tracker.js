/* Hark's first-party analytics (/a.js): a view beacon on load, and a leave beacon with the time on page when the page is first hidden or left. No cookie, no storage; nothing at all under Do Not Track or Global Privacy Control. */
(function (w, d, n) {
  if (n.doNotTrack == '1' || w.doNotTrack == '1' || n.globalPrivacyControl) return;
  var l = w.location, s = w.screen, t = Date.now(), left = 0;
  function send(b) {
    b.p = l.pathname; b.q = l.search; b.r = d.referrer; b.w = s.width; b.h = s.height;
    try { n.sendBeacon('/a/e', JSON.stringify(b)); } catch (e) {}
  }
  function leave() {
    if (left) return;
    left = 1;
    send({ k: 'leave', d: Math.max(0, Math.min(Date.now() - t, 864e5)) });
  }
  d.addEventListener('visibilitychange', function () { if (d.visibilityState == 'hidden') leave(); });
  w.addEventListener('pagehide', leave);
  send({ k: 'view' });
})(window, document, navigator);
