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
 * - print buttons: data-dj-print;
 * - org pickers (core.orgpicker): <div data-dj-orgpicker data-url data-source> holding a
 *   short <select> and a search box; typing asks the server for orgs by name (within what
 *   the field accepts) and puts them in the select after the chosen and the empty options.
 *   Enter in the box moves to the select instead of sending the form.
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

  function mountOrgPickers(root) {
    all(root, "[data-dj-orgpicker][data-url]").forEach(function (box) {
      if (box.dataset.mounted) return;
      var search = box.querySelector("[data-dj-orgpicker-search]");
      var select = box.querySelector("select");
      var status = box.querySelector("[data-dj-orgpicker-status]");
      if (!search || !select) return;
      box.dataset.mounted = "1";
      var first = Array.prototype.map.call(select.options, function (o) {
        return { value: o.value, text: o.text };
      });
      var hint = status ? status.textContent : "";
      var timer = null;
      var asked = 0;

      function say(text) { if (status) status.textContent = text; }

      function fill(rows) {
        // Keep what is chosen and the empty ("全部") option; the rest is the answer.
        var kept = Array.prototype.filter.call(select.options, function (o) {
          return o.selected || o.value === "";
        });
        var seen = {};
        kept.forEach(function (o) { seen[o.value] = true; });
        while (select.options.length) select.remove(0);
        kept.forEach(function (o) { select.add(o); });
        rows.forEach(function (row) {
          var value = String(row.value);
          if (seen[value]) return;
          seen[value] = true;
          select.add(new Option(row.text, value));
        });
      }

      function run() {
        var q = search.value.trim();
        var mine = ++asked;
        if (!q) { fill(first); say(hint); return; }
        var url = box.dataset.url + "?q=" + encodeURIComponent(q);
        if (box.dataset.source) url += "&source=" + encodeURIComponent(box.dataset.source);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
          .then(function (data) {
            if (mine !== asked) return; // a later search has been asked meanwhile
            fill(data.results.map(function (o) { return { value: o.id, text: o.name }; }));
            var n = data.results.length;
            var noun = box.dataset.noun || "组织";
            var key = box.dataset.key || "名称";
            say(n === 0 ? "没有找到" + key + "含“" + q + "”的" + noun + "。"
              : "找到 " + n + (data.more ? " 个以上" : " 个") + noun + "，请在下面选择。");
          })
          .catch(function () { if (mine === asked) say("查找失败，请稍后重试。"); });
      }

      search.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(run, 250);
      });
      search.addEventListener("keydown", function (e) {
        if (e.key !== "Enter") return;
        e.preventDefault(); // the box is no filter of its own: Enter goes to the choices
        window.clearTimeout(timer);
        run();
        select.focus();
      });
    });
  }

  function load(root) {
    applySizes(root); // before the charts: ECharts takes the element's size at init
    mountCharts(root);
    mountOrgPickers(root);
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
