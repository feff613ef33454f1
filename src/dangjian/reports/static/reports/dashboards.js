/* 数据大屏: the 全屏 button (the CSP allows no inline script). Charts are drawn by
 * web/app.js (data-echarts); after the screen changes size they are resized by its
 * window resize handler. */
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-dj-fullscreen]");
    if (!button) return;
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen();
    }
  });
  document.addEventListener("fullscreenchange", function () {
    window.dispatchEvent(new Event("resize"));
  });
})();
