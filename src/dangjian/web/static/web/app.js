/* 党建工作平台: chart mounting shared by every page that loads ECharts.
 *
 * A page puts <div class="dj-chart" data-echarts="ID"> beside a json_script element
 * whose id is ID and whose content is an ECharts option (data only). A data item may
 * carry `url`: clicking it opens the records behind that figure (drill-down).
 */
(function () {
  "use strict";

  function mount(root) {
    if (!window.echarts) return;
    var found = Array.prototype.slice.call(root.querySelectorAll("[data-echarts]"));
    if (root.matches && root.matches("[data-echarts]")) found.push(root);
    found.forEach(function (el) {
      if (el.dataset.mounted) return;
      var source = document.getElementById(el.dataset.echarts);
      if (!source) return;
      var chart = window.echarts.init(el);
      chart.setOption(JSON.parse(source.textContent));
      chart.on("click", function (params) {
        if (params.data && params.data.url) window.location.href = params.data.url;
      });
      el.dataset.mounted = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  if (window.htmx) {
    window.htmx.onLoad(mount); // initial page and every swapped-in fragment
  } else {
    document.addEventListener("DOMContentLoaded", function () { mount(document); });
  }
})();
