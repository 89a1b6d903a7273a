// Keeps custody clocks live: every clock carries its deadline and translated texts with {d}/{h}/{m}.
(function () {
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".clock[data-deadline]").forEach(function (el) {
      var left = Math.round((Date.parse(el.dataset.deadline) - now) / 1000);
      var minutes = Math.floor(Math.abs(left) / 60);
      var h = Math.floor(minutes / 60), m = minutes % 60;
      var text;
      if (h >= 48) {
        text = (left < 0 ? el.dataset.overdueDays : el.dataset.leftDays)
          .replace("{d}", Math.floor(h / 24)).replace("{h}", h % 24);
      } else {
        text = (left < 0 ? el.dataset.overdue : el.dataset.left).replace("{h}", h).replace("{m}", m);
      }
      el.textContent = text;
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("urgent", left >= 0 && left < 6 * 3600);
    });
  }
  tick();
  setInterval(tick, 30000);
})();
