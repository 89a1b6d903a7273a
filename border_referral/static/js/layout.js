/* The shared layout (base.html, deferred). Without this script everything still works: the menu is
   shown whole (app.css collapses it only under @media (scripting: enabled)) and tables keep their
   columns, scrolling inside their own box on a phone.
   - The menu button opens and closes the main menu on narrow screens (aria-expanded; Escape closes).
   - Every cell of a table with column headers gets data-label (its column's header text), and the
     table is marked "stacked": on a phone each row becomes a card, each value under its label.
   - A refused form's error summary takes the focus, so the reader starts from the list of errors. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setUpMenu() {
    var button = document.querySelector(".menu-button[aria-controls]");
    if (!button) return;
    var panel = document.getElementById(button.getAttribute("aria-controls"));
    if (!panel) return;
    function show(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      panel.classList.toggle("open", open);
    }
    button.addEventListener("click", function () {
      show(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        show(false);
        button.focus();
      }
    });
  }

  function headerTexts(table) {
    // The labels of the columns, from the last header row of <thead> (colspan taken into account).
    var head = table.tHead;
    if (!head || !head.rows.length) return null;
    var row = head.rows[head.rows.length - 1];
    var labels = [];
    for (var i = 0; i < row.cells.length; i++) {
      var cell = row.cells[i];
      var text = (cell.getAttribute("data-label") || cell.textContent || "").replace(/\s+/g, " ").trim();
      for (var span = 0; span < (cell.colSpan || 1); span++) labels.push(text);
    }
    return labels;
  }

  function labelTable(table) {
    if (table.hasAttribute("data-no-stack")) return;
    var labels = headerTexts(table);
    if (!labels || !labels.length) return;
    for (var b = 0; b < table.tBodies.length; b++) {
      var rows = table.tBodies[b].rows;
      for (var r = 0; r < rows.length; r++) {
        var column = 0;
        var cells = rows[r].cells;
        for (var c = 0; c < cells.length; c++) {
          var label = cells[c].colSpan >= labels.length ? "" : labels[column];  // a row-wide note
          if (label && !cells[c].hasAttribute("data-label")) cells[c].setAttribute("data-label", label);
          column += cells[c].colSpan || 1;
        }
      }
    }
    table.classList.add("stacked");
  }

  function setUpTables() {
    var tables = document.querySelectorAll("main table");
    for (var i = 0; i < tables.length; i++) labelTable(tables[i]);
  }

  function focusErrors() {
    var summary = document.querySelector(".error-summary[tabindex]");
    if (summary && !location.hash) summary.focus();
  }

  function ready() {
    setUpMenu();
    setUpTables();
    focusErrors();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
