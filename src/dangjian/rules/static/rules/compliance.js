/* The compliance page: on a phone the chart is hidden and the table, folded on the desktop
 * (it repeats the chart), is the readable heatmap — so open it there. A static file: the
 * Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  function openOnNarrow() {
    if (!window.matchMedia("(max-width: 767.98px)").matches) return;
    document.querySelectorAll("details[data-dj-open-narrow]").forEach(function (el) {
      el.open = true;
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openOnNarrow);
  } else {
    openOnNarrow();
  }
})();
