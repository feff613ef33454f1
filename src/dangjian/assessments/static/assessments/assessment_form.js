/* 党建工作平台: the assessment form (督查考评).
 *
 * Autosave: a changed row is marked and, after a short pause, every changed row is posted
 * as JSON to the results endpoint (services.save_results). The answer shows
 * "已自动保存 HH:MM:SS" or the Chinese error next to the table; rows that failed stay
 * marked and are sent again with the next change.
 * Keys, while the focus is on a row's result (not in a text box): 1–4 set
 * 符合 / 部分符合 / 不符合 / 不适用, A accepts the 自动取证 suggestion shown beside the item.
 * 提出问题 (shown on nonconforming rows, an htmx button) saves pending rows first, then
 * raises the finding; its cell becomes a "查看问题" link (one finding per item).
 * 检查方式 (听/看/查/问/评): checkboxes after the note, posted as a list of the checked codes.
 * Each row's five take one Tab stop (roving tabindex): ← → move between them, Space toggles,
 * so Tab still walks result → score → note → methods → next row.
 * Status: every answer (autosave or a status button) carries the new status and the
 * re-rendered button group, so 开始检查 → 提交审核 → 完成 follow without a reload; 完成 locks
 * the form (inputs disabled, notice shown), 重新打开 unlocks it.
 */
(function () {
  "use strict";

  var form = document.getElementById("results-form");
  if (!form || form.dataset.editable !== "1") return;

  var KEYS = { "1": "conforming", "2": "partial", "3": "nonconforming", "4": "not_applicable" };
  var statusEl = document.getElementById("autosave-status");
  var url = form.dataset.autosaveUrl;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var dirty = new Set();
  var timer = null;
  var inflight = null;

  function show(text, css) {
    statusEl.textContent = text;
    statusEl.className = "small " + (css || "text-secondary");
  }

  function rowOf(el) {
    return el && el.closest ? el.closest("tr[data-item]") : null;
  }

  function rowData(tr) {
    var data = { item: Number(tr.dataset.item) };
    tr.querySelectorAll("[data-field]").forEach(function (el) {
      var name = el.dataset.field;
      if (el.type === "checkbox") {
        data[name] = data[name] || []; // none checked still sends [] to clear the saved ones
        if (el.checked) data[name].push(el.value);
      } else {
        data[name] = el.value;
      }
    });
    if (data.score === "") data.score = null;
    if (tr.dataset.fromRecords !== undefined) data.from_records = tr.dataset.fromRecords === "1";
    return data;
  }

  function syncRow(tr) {
    var select = tr.querySelector("select[data-field=result]");
    var bad = select && select.value === "nonconforming";
    tr.classList.toggle("dj-nonconforming", bad);
    var raise = tr.querySelector("[data-raise]");
    if (raise) raise.hidden = !bad;
  }

  function schedule(tr, delay) {
    dirty.add(tr);
    tr.classList.add("dj-dirty");
    show("有未保存的修改…");
    clearTimeout(timer);
    timer = setTimeout(flush, delay);
  }

  function post(target, body, json) {
    var headers = { "X-CSRFToken": csrf, Accept: "application/json" };
    if (json) headers["Content-Type"] = "application/json";
    return fetch(target, { method: "POST", headers: headers, body: body, credentials: "same-origin" })
      .then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (data) {
          return { ok: resp.ok && data.ok, status: resp.status, data: data };
        });
      });
  }

  function setLocked(locked) {
    form.dataset.editable = locked ? "0" : "1";
    form.querySelectorAll("[data-field], [data-accept], [data-raise], #results-save").forEach(function (el) {
      el.disabled = locked;
    });
    document.querySelectorAll("[data-lockable]").forEach(function (el) { el.disabled = locked; });
    document.getElementById("locked-notice").hidden = !locked;
    document.getElementById("locked-badge").hidden = !locked;
  }

  // The answer of the results or status endpoint: status, lock, totals and the buttons.
  function applyStatus(d) {
    document.getElementById("total-score").textContent = d.total_score === null ? "—" : d.total_score;
    document.getElementById("rating").textContent = d.rating || "—";
    var label = document.getElementById("status-label");
    label.textContent = d.status_label;
    label.dataset.status = d.status;
    var actions = document.getElementById("status-actions");
    if (actions && d.actions_html) actions.outerHTML = d.actions_html;
    setLocked(Boolean(d.locked));
  }

  function flush() {
    clearTimeout(timer);
    if (inflight) return inflight.then(flush);
    if (!dirty.size) return Promise.resolve(true);
    var rows = Array.from(dirty);
    dirty.clear();
    show("正在保存…");
    inflight = post(url, JSON.stringify({ rows: rows.map(rowData) }), true)
      .then(function (answer) {
        if (answer.ok) {
          rows.forEach(function (tr) {
            if (!dirty.has(tr)) tr.classList.remove("dj-dirty");
            tr.classList.remove("dj-error");
          });
          var d = answer.data;
          applyStatus(d);
          show("已自动保存 " + d.saved_at, "text-success");
          return true;
        }
        rows.forEach(function (tr) { dirty.add(tr); tr.classList.add("dj-error"); });
        show(answer.data.error || "保存失败（" + answer.status + "），请刷新页面后重试。", "text-danger");
        return false;
      })
      .catch(function () {
        rows.forEach(function (tr) { dirty.add(tr); });
        show("网络连接失败，修改尚未保存；恢复连接后再修改任一项即会重新保存。", "text-danger");
        return false;
      })
      .finally(function () { inflight = null; });
    return inflight;
  }

  function setResult(tr, value, fromRecords) {
    var select = tr.querySelector("select[data-field=result]");
    if (!select || !select.querySelector('option[value="' + value + '"]')) return false;
    select.value = value;
    tr.dataset.fromRecords = fromRecords ? "1" : "0";
    syncRow(tr);
    schedule(tr, 300);
    return true;
  }

  function accept(tr) {
    if (!tr.dataset.suggestResult) return;
    var score = tr.querySelector("[data-field=score]");
    if (score && tr.dataset.suggestScore !== "") score.value = tr.dataset.suggestScore;
    setResult(tr, tr.dataset.suggestResult, true);
  }

  // Status buttons (outside the results form, re-rendered after each answer): save pending
  // rows first, then change the status in place; without the script they post and reload.
  document.addEventListener("submit", function (e) {
    var statusForm = e.target.closest && e.target.closest("form[data-status-form]");
    if (!statusForm) return;
    e.preventDefault();
    var buttons = document.querySelectorAll("[data-status-action]");
    buttons.forEach(function (b) { b.disabled = true; });
    flush().then(function (saved) {
      if (saved === false) {
        buttons.forEach(function (b) { b.disabled = false; });
        return;
      }
      return post(statusForm.action, new FormData(statusForm), false).then(function (answer) {
        if (!answer.ok) {
          buttons.forEach(function (b) { b.disabled = false; });
          show(answer.data.error || "更改状态失败（" + answer.status + "），请刷新页面后重试。", "text-danger");
          return;
        }
        applyStatus(answer.data);
        show(answer.data.message, "text-success");
      });
    });
  });

  form.addEventListener("change", function (e) {
    var tr = rowOf(e.target);
    if (!tr || !e.target.dataset.field) return;
    if (e.target.dataset.field === "result") tr.dataset.fromRecords = "0";
    syncRow(tr);
    schedule(tr, 300);
  });

  form.addEventListener("input", function (e) {
    var tr = rowOf(e.target);
    if (!tr || !e.target.dataset.field || e.target.tagName !== "INPUT") return;
    if (e.target.type !== "checkbox") schedule(tr, 1200); // checkboxes save on "change"
  });

  // One Tab stop per methods group: the last focused checkbox (the first one to begin with).
  form.querySelectorAll("[data-methods]").forEach(function (group) {
    group.querySelectorAll("input[type=checkbox]").forEach(function (box, i) {
      box.tabIndex = i === 0 ? 0 : -1;
    });
  });

  function groupBoxes(box) {
    var group = box.closest && box.closest("[data-methods]");
    return group ? Array.from(group.querySelectorAll("input[type=checkbox]")) : [];
  }

  form.addEventListener("focusin", function (e) {
    var boxes = groupBoxes(e.target);
    boxes.forEach(function (b) { b.tabIndex = b === e.target ? 0 : -1; });
  });

  function moveInGroup(box, step) {
    var boxes = groupBoxes(box);
    boxes[(boxes.indexOf(box) + step + boxes.length) % boxes.length].focus();
  }

  form.addEventListener("keydown", function (e) {
    var tr = rowOf(e.target);
    if (!tr || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.type === "checkbox" && e.target.closest("[data-methods]")) {
      var step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
      if (step) {
        moveInGroup(e.target, step);
        e.preventDefault();
      }
      return;
    }
    if (e.target.tagName === "INPUT" || e.target.tagName === "TEXTAREA") return;
    if (KEYS[e.key]) {
      if (setResult(tr, KEYS[e.key], false)) e.preventDefault();
    } else if (e.key === "a" || e.key === "A") {
      accept(tr);
      e.preventDefault();
    }
  });

  form.addEventListener("click", function (e) {
    var acceptBtn = e.target.closest("[data-accept]");
    if (acceptBtn) accept(rowOf(acceptBtn));
  });

  // 提出问题 is an htmx button (it swaps its cell for a "查看问题" link). The problem text
  // is the row's note, so pending rows are saved first; the button stays disabled until
  // the answer arrives, so a second click cannot send a second request.
  document.addEventListener("htmx:confirm", function (e) {
    var raise = e.target.closest && e.target.closest("[data-raise]");
    if (!raise) return;
    e.preventDefault();
    if (raise.disabled) return;
    raise.disabled = true;
    var tr = rowOf(raise);
    flush().then(function (saved) {
      if (saved === false) {
        raise.disabled = false;
        return;
      }
      // The keyboard stays in the row: focus the new link (or the button, if refused).
      document.addEventListener("htmx:afterSettle", function focusCell() {
        document.removeEventListener("htmx:afterSettle", focusCell);
        var next = tr.querySelector("[data-finding-link], [data-raise]");
        if (next) next.focus();
      });
      e.detail.issueRequest(true);
    });
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var raise = e.target.closest && e.target.closest("[data-raise]");
    if (raise && raise.isConnected) raise.disabled = false; // no answer swapped in (network)
  });

  // The plain 保存 button still works; with the script it just saves now.
  form.addEventListener("submit", function (e) {
    if (e.submitter && e.submitter.id === "results-save") {
      e.preventDefault();
      if (!dirty.size) show("没有需要保存的修改。");
      flush();
    }
  });

  window.addEventListener("beforeunload", function (e) {
    if (dirty.size || inflight) {
      e.preventDefault();
      e.returnValue = "";
    }
  });
})();
