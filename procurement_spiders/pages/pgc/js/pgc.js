// PGC page library: readers of the app's DOM (XPaths come from pages/pgc/selectors.py through
// the argument object `a`) and the named CHECKS / ACTIONS the wait engine (browser/js/wait.js)
// runs. No eval: the real app may have a CSP. Sent before wait.js, or before a one-line
// `return READERS[name](arguments[0]);` for a single read.
function all(x) {
  var r = document.evaluate(x, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
  var o = [];
  for (var i = 0; i < r.snapshotLength; i++) o.push(r.snapshotItem(i));
  return o;
}
function within(ctx, x) {
  var r = document.evaluate(x, ctx, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
  var o = [];
  for (var i = 0; i < r.snapshotLength; i++) o.push(r.snapshotItem(i));
  return o;
}
function one(ctx, x) {
  return document.evaluate(x, ctx, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
}
function count(x) {
  return document.evaluate(x, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null).snapshotLength;
}
function txt(n) { return n ? (n.textContent || '').replace(/\s+/g, ' ').trim() : null; }
function isShown(n) { return n.nodeType === 1 && !!(n.offsetWidth || n.offsetHeight || n.getClientRects().length); }
function shown(x) { return all(x).filter(isShown).length; }
function expired(a) {
  return count(a.expired) > 0 || (a.login_marks || []).some(function (m) { return location.href.indexOf(m) >= 0; });
}
function panelOf(a) {
  if (!a._panel || !a._panel.isConnected) a._panel = one(document, a.panel);
  return a._panel;
}
function cardCount(a) {
  var p = panelOf(a);
  return p ? document.evaluate('count(' + a.cards + ')', p, null, XPathResult.NUMBER_TYPE, null).numberValue : 0;
}
// The text of the tab's "no records" message when it is displayed (an empty tab), else null.
function emptyMessage(a) {
  var p = panelOf(a), n = p ? one(p, a.empty) : null;
  return n && isShown(n) ? txt(n) : null;
}
function clickXPath(x) {
  var n = one(document, x);
  if (!n) return false;
  n.scrollIntoView({block: 'center'});
  n.click();
  return true;
}

var READERS = {
  // For each XPath: [matches, displayed].
  probe: function (a) {
    return a.xpaths.map(function (x) { var nodes = all(x); return [nodes.length, nodes.filter(isShown).length]; });
  },
  texts: function (a) { return all(a.xpath).map(txt); },
  table: function (a) {
    var rows = all(a.rows).map(function (tr) {
      return Array.prototype.map.call(tr.querySelectorAll(':scope > td'), txt);
    });
    var cur = all(a.current)[0];
    return {
      headers: all(a.headers).map(txt), rows: rows, current: cur ? txt(cur) : null,
      pages: all(a.pages).map(txt), report: txt(all(a.report)[0]),
      spinner: count(a.spinner), expired: expired(a)
    };
  },
  cards: function (a) {
    var p = panelOf(a);
    var r = p ? within(p, a.cards) : [], out = [];
    for (var i = a.start; i < r.length; i++) {
      var base = one(r[i], a.base);
      if (!base) { out.push(null); continue; }
      var card = {};
      for (var k in a.fields) { var n = one(base, '.' + a.fields[k]); card[k] = n ? txt(n) : null; }
      out.push(card);
    }
    return {count: r.length, cards: out, total: p ? txt(one(p, a.total)) : null,
            empty: r.length <= 1 ? emptyMessage(a) : null, spinner: count(a.spinner), expired: expired(a)};
  }
};

var CHECKS = {
  idle: function (a) {
    if (expired(a)) return {expired: true};
    return count(a.spinner) === 0 ? {idle: true} : null;
  },
  visible: function (a) {
    if (expired(a)) return {expired: true};
    return shown(a.xpath) > 0 ? {shown: true} : null;
  },
  gone: function (a) {
    if (expired(a)) return {expired: true};
    return count(a.xpath) === 0 ? {gone: true} : null;
  },
  // The PCA option is offered, or the list of options (without it) is open.
  option: function (a) {
    if (expired(a)) return {expired: true};
    if (shown(a.option)) return {ok: true};
    var any = all(a.any);
    return any.length ? {missing: any.map(txt)} : null;
  },
  // A table page is on screen (with a.prev: a page other than a.prev).
  table: function (a) {
    var s = READERS.table(a);
    if (s.expired) return {expired: true};
    if (s.spinner || !s.headers.length || s.current === null || s.current === a.prev) return null;
    return {state: s};
  },
  // The tab's list rendered more than a.before cards, or the tab says it has none.
  cards: function (a) {
    if (expired(a)) return {expired: true};
    if (count(a.spinner)) return null;
    var n = cardCount(a);  // runs on every mutation: the "no records" message is looked for only in a list of <= 1
    if (n <= a.before && !(n <= 1 && emptyMessage(a))) return null;
    return {state: READERS.cards(a)};
  }
};

var ACTIONS = {
  click: function (a) { if (!clickXPath(a.click)) throw new Error('nothing to click at ' + a.click); },
  // Scroll the list's own scroll container (nearest ancestor with overflow-y auto|scroll) to its end.
  scroll_end: function (a) {
    var n = a.panel ? one(panelOf(a), a.anchor) : one(document, a.anchor);
    while (n && n !== document.body) {
      var st = getComputedStyle(n);
      if ((st.overflowY === 'auto' || st.overflowY === 'scroll') && n.scrollHeight > n.clientHeight) break;
      n = n.parentElement;
    }
    if (!n || n === document.body) { window.scrollTo(0, document.body.scrollHeight); }
    else { n.scrollTop = n.scrollHeight; n.dispatchEvent(new Event('scroll')); }
  }
};
