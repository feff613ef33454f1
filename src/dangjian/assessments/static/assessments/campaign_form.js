/* 新建督查活动: show the fields of the chosen way of selecting targets (抽样 / 指定). */
(function () {
  "use strict";
  var form = document.getElementById("campaign-form");
  function sync() {
    var checked = form.querySelector("input[name=selection]:checked");
    var mode = checked ? checked.value : "all";
    form.querySelectorAll("fieldset[data-selection]").forEach(function (fs) {
      fs.hidden = fs.dataset.selection !== mode;
    });
  }
  form.addEventListener("change", function (e) { if (e.target.name === "selection") sync(); });
  sync();
})();
