/**
 * The tracking script a merchant pastes into its website, served by `GET /v1/track/tally.js` (see
 * the README's "Lead tracking"). Kept as the exact text browsers get, so the tests run the very bytes
 * that are served; plain ES5 plus fetch, so it runs as is in any browser of the last years.
 *
 *   <script src="https://<tally api>/v1/track/tally.js" data-key="tally_pk_…" async></script>
 *
 * - On a page opened with `?ref=<referral code>`, it records the visit and keeps the visitor's ID in
 *   a first-party cookie (`tally_vid`) for the merchant's cookie window, which the visit answers.
 * - `tally.lead(email, {affiliateCode?})` records a lead (after that visit, if one is under way) and
 *   resolves to whether Tally accepted it. It cannot name a Stripe customer: only the merchant's
 *   server can (`POST /v1/leads`), so a page's script never claims one.
 * - `tally.clientReferenceId()` is `tally_<visitorId>` (or null), for Stripe Checkout's
 *   `client_reference_id`: the surest way to credit the purchase.
 * - Attributes: `data-key` (required), `data-mode="test"` for test-mode tracking (live otherwise),
 *   `data-cookie-domain` to share the cookie across subdomains, `data-api` when the script is hosted
 *   elsewhere than Tally's API.
 * - Calls made before it loads wait in `window.tally.q` (see the README's snippet).
 * Bodies are sent as text/plain, which browsers send cross-origin without a preflight request.
 */
export const trackingScript = String.raw`/* Tally lead tracking */
(function (window, document) {
  'use strict';
  var queued = window.tally && window.tally.q;
  var script = document.currentScript;
  if ((window.tally && window.tally.version) || !script || !window.fetch || !window.crypto) return;
  var key = script.getAttribute('data-key');
  if (!key) return;
  var mode = script.getAttribute('data-mode') === 'test' ? 'test' : 'live';
  var api = (script.getAttribute('data-api') || script.src.replace(/\/v1\/track\/tally\.js([?#].*)?$/, '')).replace(/\/+$/, '');
  var cookieDomain = script.getAttribute('data-cookie-domain');
  var codePattern = /^[A-Za-z0-9_-]{2,64}$/;

  function visitorId() {
    var match = /(?:^|;\s*)tally_vid=([A-Za-z0-9_-]{16,64})(?:;|$)/.exec(document.cookie);
    return match ? match[1] : null;
  }

  function keepVisitorId(id, days) {
    document.cookie = 'tally_vid=' + id + '; Max-Age=' + Math.floor(days * 86400) + '; Path=/; SameSite=Lax' +
      (cookieDomain ? '; Domain=' + cookieDomain : '') + (window.location.protocol === 'https:' ? '; Secure' : '');
  }

  function newVisitorId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return window.btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  // Origin and path only: query strings and fragments may carry tokens or e-mail addresses.
  function page(url) {
    var match = /^https?:\/\/[^?#]+/.exec(url || '');
    return match ? match[0] : undefined;
  }

  function send(action, fields) {
    fields.trackingKey = key;
    fields.mode = mode;
    return window.fetch(api + '/v1/track/' + action, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(fields),
      credentials: 'omit',
      keepalive: true
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(null, function () {
      return null;
    });
  }

  function visit(code) {
    var id = visitorId() || newVisitorId();
    return send('visit', { visitorId: id, affiliateCode: code, url: page(window.location.href), referrer: page(document.referrer) })
      .then(function (answer) {
        if (answer && answer.cookieWindowDays) keepVisitorId(id, answer.cookieWindowDays);
      });
  }

  var code = new URLSearchParams(window.location.search).get('ref');
  var visited = code && codePattern.test(code) ? visit(code) : Promise.resolve();

  var tally = {
    version: 1,
    lead: function (email, options) {
      options = options || {};
      return visited.then(function () {
        var fields = { email: String(email || '').replace(/^\s+|\s+$/g, '') };
        var id = visitorId();
        if (id) fields.visitorId = id;
        if (options.affiliateCode) fields.affiliateCode = String(options.affiliateCode);
        return send('lead', fields);
      }).then(function (answer) {
        return answer !== null;
      });
    },
    clientReferenceId: function () {
      var id = visitorId();
      return id ? 'tally_' + id : null;
    }
  };
  window.tally = tally;
  for (var i = 0; queued && i < queued.length; i++) tally.lead.apply(tally, queued[i]);
})(window, document);
`;
