// The explorer's only script, same-origin (the Content-Security-Policy
// allows no inline script). It enhances the election page: the steps of the
// verification update themselves from the page's event stream
// (server-sent events, docs/explorer.md). Without it the page still shows
// the last verification; reloading shows the next.
(function () {
  "use strict";
  var main = document.querySelector("main[data-events]");
  if (!main || !window.EventSource) { return; }
  var steps = document.getElementById("steps");
  var source = new EventSource(main.getAttribute("data-events"));
  function setText(el, text) { if (el) { el.textContent = text || ""; } }
  source.addEventListener("step", function (ev) {
    var s = JSON.parse(ev.data);
    var li = document.getElementById("step-" + s.number);
    if (!li) { return; }
    li.setAttribute("data-status", s.status);
    setText(li.querySelector(".status"), s.status_text);
    setText(li.querySelector(".detail"), s.detail);
    setText(li.querySelector(".party"), s.party);
    var a = li.querySelector("a.entry");
    if (a) {
      setText(a, s.entry);
      if (s.entry_href) { a.setAttribute("href", s.entry_href); a.hidden = false; } else { a.hidden = true; }
    }
  });
  source.addEventListener("report", function (ev) {
    var r = JSON.parse(ev.data);
    var line = document.getElementById("verdict");
    if (line) {
      line.setAttribute("data-verdict", r.verdict);
      var badge = line.querySelector(".verdict");
      if (badge) { badge.setAttribute("data-verdict", r.verdict); setText(badge, r.verdict_text); }
      setText(line.querySelector(".verdict-text"), r.verdict_line);
    }
    setText(document.getElementById("phase"), r.phase);
    if (steps) { steps.setAttribute("data-entries", String(r.entries)); }
  });
})();
