/* 党建工作平台: the behaviour shared by every page.
 *
 * The Content-Security-Policy allows no inline script and no style="" attribute, so what
 * pages used to say inline is said with data attributes and done here:
 *
 * - charts: <div class="dj-chart" data-echarts="ID"> beside a json_script element whose
 *   id is ID and whose content is an ECharts option (data only). A data item may carry
 *   `url`: clicking it opens the records behind that figure (drill-down). Tooltips are
 *   drawn on the canvas (renderMode "richText"): ECharts' HTML tooltips are markup with
 *   style attributes, which the policy refuses.
 * - sizes computed by the server: data-dj-height="260" (pixels) and data-dj-width="40"
 *   (percent), set through the element's style object, which the policy allows;
 * - print buttons: data-dj-print.
 */
(function () {
  "use strict";

  function all(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches && root.matches(selector)) found.push(root);
    return found;
  }

  function applySizes(root) {
    all(root, "[data-dj-height]").forEach(function (el) {
      var px = parseFloat(el.dataset.djHeight);
      if (px > 0) el.style.height = px + "px";
    });
    all(root, "[data-dj-width]").forEach(function (el) {
      var pct = parseFloat(el.dataset.djWidth);
      if (pct >= 0) el.style.width = Math.min(pct, 100) + "%";
    });
  }

  function canvasTooltips(option) {
    [].concat(option.tooltip || []).forEach(function (tooltip) {
      if (tooltip && !tooltip.renderMode) tooltip.renderMode = "richText";
    });
    return option;
  }

  function mountCharts(root) {
    if (!window.echarts) return;
    all(root, "[data-echarts]").forEach(function (el) {
      if (el.dataset.mounted) return;
      var source = document.getElementById(el.dataset.echarts);
      if (!source) return;
      var chart = window.echarts.init(el);
      chart.setOption(canvasTooltips(JSON.parse(source.textContent)));
      chart.on("click", function (params) {
        if (params.data && params.data.url) window.location.href = params.data.url;
      });
      el.dataset.mounted = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function load(root) {
    applySizes(root); // before the charts: ECharts takes the element's size at init
    mountCharts(root);
  }

  document.addEventListener("click", function (e) {
    var target = e.target.closest && e.target.closest("[data-dj-print]");
    if (target) window.print();
  });

  if (window.htmx) {
    window.htmx.onLoad(load); // initial page and every swapped-in fragment
  } else {
    document.addEventListener("DOMContentLoaded", function () { load(document); });
  }
})();
