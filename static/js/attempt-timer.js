/* Countdown for the attempt page. The server decides when time is up: this never submits. */
(function () {
  "use strict";
  var box = document.querySelector("[data-deadline]");
  if (!box) return;
  function parse(s) { return Date.parse(s.replace(/(\.\d{3})\d+/, "$1")); }
  var deadline = parse(box.dataset.deadline);
  var skew = box.dataset.now ? parse(box.dataset.now) - Date.now() : 0;
  if (isNaN(deadline)) return;
  if (isNaN(skew)) skew = 0;
  var shown = box.querySelector("[data-shown]");
  var said = box.querySelector("[data-said]");
  var told = {};
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.max(0, Math.ceil((deadline - Date.now() - skew) / 1000));
    if (left === 0) {
      shown.textContent = box.dataset.up;
      said.textContent = box.dataset.up;
      clearInterval(timer);
      return;
    }
    shown.textContent = box.dataset.left.replace("{time}", pad(Math.floor(left / 60)) + ":" + pad(left % 60));
    [[300, "five"], [60, "one"]].forEach(function (mark) {
      if (left <= mark[0] && left > mark[0] - 60 && !told[mark[1]]) {
        told[mark[1]] = true;
        said.textContent = box.dataset[mark[1]];
      }
    });
  }
  var timer = setInterval(tick, 1000);
  // The countdown takes the place of the minutes written when the page was drawn.
  var drawn = document.querySelector("[data-static-left]");
  if (drawn) drawn.hidden = true;
  box.hidden = false;
  tick();
})();
