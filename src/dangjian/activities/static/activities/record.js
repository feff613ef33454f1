/* 登记组织生活 and 会议通知 (activities/record.html, notice_form.html).
 *
 * The page works without this file (the 载入 button reloads the list, the server fills the
 * title and the 学时); with it:
 * - only the fields of the chosen kind show (培训类型 for 培训班, 服务类型 for 志愿服务);
 * - the title follows the kind and date ("2026年12月支部党员大会") until the user types one;
 * - the 学时 for everyone follows the start and end time until the user types one, and
 *   each person's 学时 field shows it as its placeholder;
 * - what the user marked in the list (请假, a reason, a 学时) survives a reload of the list
 *   (another kind or date), for everyone still in it.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-dj-record]");
  if (!form) return;
  document.documentElement.classList.add("dj-js");

  function field(name) { return form.querySelector("[name='" + name + "']"); }
  var kind = field("kind");
  var day = field("held_on") || field("planned_on");
  var title = field("title");
  var starts = field("starts_at");
  var ends = field("ends_at");
  var hours = field("hours");

  function kindLabel() {
    if (!kind || !kind.value) return "";
    var option = kind.options[kind.selectedIndex];
    return option ? option.text : "";
  }

  function autoTitle() {
    var label = kindLabel();
    var m = day && /^(\d{4})-(\d{2})-\d{2}$/.exec(day.value);
    return label && m ? m[1] + "年" + parseInt(m[2], 10) + "月" + label : "";
  }

  function showKindFields() {
    var current = kind ? kind.value : "";
    form.querySelectorAll("[data-dj-kind]").forEach(function (box) {
      var show = box.dataset.djKind === current;
      box.hidden = !show;
      if (!show) box.querySelectorAll("select, input").forEach(function (el) { el.value = ""; });
    });
  }

  var lastTitle = autoTitle();
  function updateTitle() {
    if (!title) return;
    var next = autoTitle();
    if (title.value === "" || title.value === lastTitle) title.value = next;
    lastTitle = next;
  }

  function minutes(el) {
    var m = el && /^(\d{1,2}):(\d{2})/.exec(el.value);
    return m ? parseInt(m[1], 10) * 60 + parseInt(m[2], 10) : null;
  }
  function duration() {
    var a = minutes(starts), b = minutes(ends);
    if (a === null || b === null || b <= a) return "";
    return String(Math.floor((b - a) / 6) / 10);
  }
  var lastHours = duration();
  function updateHours() {
    if (!hours) return;
    var next = duration();
    if (hours.value === "" || hours.value === lastHours) hours.value = next;
    lastHours = next;
    updatePlaceholders();
  }
  function updatePlaceholders() {
    if (!hours) return;
    form.querySelectorAll("input[name^='hours-']").forEach(function (el) {
      el.placeholder = hours.value || "学时";
    });
  }

  if (kind) kind.addEventListener("change", function () { showKindFields(); updateTitle(); });
  if (day) day.addEventListener("change", updateTitle);
  [starts, ends].forEach(function (el) { if (el) el.addEventListener("change", updateHours); });
  if (hours) hours.addEventListener("input", updatePlaceholders);
  var marked = {};
  function remember(event) {
    var el = event.target;
    if (!el.name || !/^(att|reason|hours)-\d+$/.test(el.name) || !el.closest("#attendance")) return;
    if (el.type === "radio" && !el.checked) return;
    marked[el.name] = el.value;
  }
  form.addEventListener("change", remember);
  form.addEventListener("input", remember);
  function restore() {
    Object.keys(marked).forEach(function (name) {
      form.querySelectorAll("#attendance [name='" + name + "']").forEach(function (el) {
        if (el.type === "radio") el.checked = el.value === marked[name];
        else el.value = marked[name];
      });
    });
  }
  document.body.addEventListener("htmx:afterSwap", function () { restore(); updatePlaceholders(); });
  showKindFields();
  updatePlaceholders();
})();
