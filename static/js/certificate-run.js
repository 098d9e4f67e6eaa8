/* Live progress of a bulk certificate run. Without JavaScript the page refreshes itself
   (a meta refresh inside noscript, inert here); with it, this polls the run's JSON and
   reloads the page once the run is finished, to show the final figures and failures, and
   whenever the page's own sentences may be out of date: items settled since it was drawn
   (waiting becomes issuing), or a minute gone by (the times "since", a stalled run). */
(function () {
  "use strict";
  var box = document.querySelector("[data-run-progress]");
  if (!box || !window.fetch) return;
  var url = box.dataset.url;
  var bar = box.querySelector("[data-percent-bar]");
  var percentText = box.querySelector("[data-percent]");
  var delay = 2000;
  var drawnPending = box.dataset.pending;
  var drawnAt = Date.now();

  function show(run) {
    var settled = run.total - run.pending;
    var percent = run.total ? Math.floor((settled * 100) / run.total) : 100;
    var text = percentText.dataset.format.replace("{n}", percent);
    bar.value = percent;
    bar.textContent = text;
    percentText.textContent = text;
    ["total", "done", "skipped", "failed", "pending"].forEach(function (name) {
      var cell = box.querySelector('[data-count="' + name + '"]');
      if (cell) cell.textContent = run[name];
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (run) {
        show(run);
        delay = 2000;
        var isStale = String(run.pending) !== drawnPending || Date.now() - drawnAt > 60000;
        if (run.is_finished || isStale) {
          window.location.reload();
        } else {
          setTimeout(poll, delay);
        }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000);
        setTimeout(poll, delay);
      });
  }

  setTimeout(poll, delay);
})();
