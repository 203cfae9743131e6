// The one in-page wait of the project (procurement_spiders/browser/waits.py).
// arguments[0] = a: {check, action, poll_ms, slice_ms, ...}. A page library sent before this
// script may define CHECKS and ACTIONS (name -> function (a)). ACTIONS[a.action] runs once; then
// CHECKS[a.check] runs on every DOM mutation and at least every poll_ms, and the script returns its
// first truthy value, or null after slice_ms (kept below the WebDriver script timeout).
// Without a.check the script returns {changed: true} on the next DOM mutation (or null).
var done = arguments[arguments.length - 1], a = arguments[0];
var checks = typeof CHECKS === 'undefined' ? {} : CHECKS;
var actions = typeof ACTIONS === 'undefined' ? {} : ACTIONS;
var finished = false, obs = null, timer = null, limit = null;
function finish(v) {
  if (finished) return;
  finished = true;
  if (obs) obs.disconnect();
  clearInterval(timer);
  clearTimeout(limit);
  done(v);
}
function tick() {
  var v;
  try { v = checks[a.check](a); } catch (e) { v = {error: String(e)}; }
  if (v) finish(v);
}
if (a.action) {
  try { actions[a.action](a); } catch (e) { finish({error: 'action: ' + String(e)}); }
}
if (!finished) {
  obs = new MutationObserver(a.check ? tick : function () { finish({changed: true}); });
  obs.observe(document.documentElement || document,
              {subtree: true, childList: true, attributes: true, characterData: true});
  limit = setTimeout(function () { finish(null); }, a.slice_ms);
  if (a.check) {
    timer = setInterval(tick, a.poll_ms);
    tick();
  }
}
