// Kaohe department scoring grid: keyboard navigation, pasting from Excel, saving cell by cell.
//
// Each editable cell is a <form class="cell"> (points, reason, version) inside a <td> of
// table.grid. The <td>s never change; the form inside is replaced by the server's answer (htmx,
// outerHTML), so a cell's state lives in its form: data-saved-points / data-saved-reason hold what
// is stored, the inputs hold what is typed, the class "dirty" marks the difference.
//
// Saving: when focus leaves a changed cell, on Enter, and after a paste. All saves go through one
// queue, one request at a time: cells are stored in order, and two saves of the same cell never
// race (the second would conflict with our own first one). The server answers with a new cell:
// 200 saved, 422 invalid (message in the cell), 409 conflict (both values and a choice) or closed;
// or with plain text (400, 401, 403, 404) that is written into the cell, keeping what was typed.
//
// Pages of units: the links and forms marked data-grid-nav (page links, the page chooser, the
// filter) first save what is typed, then go; a cell that cannot be saved keeps the user here.
(function () {
  "use strict";
  // Choosing a page in the chooser goes there (also in read-only grids).
  document.querySelectorAll(".grid-pages select[name=page]").forEach((select) =>
    select.addEventListener("change", () => select.form.requestSubmit()));
  const table = document.querySelector("table.grid.editable");
  if (!table || !window.htmx) return;
  const statusLine = document.getElementById("grid-status");
  const noteLine = document.getElementById("grid-note");

  // --- The map: rows[r][c] is the <td> of item row r (heading rows left out) and unit column c.
  const rows = Array.from(table.querySelectorAll("tbody tr.item"), (tr) => Array.from(tr.querySelectorAll("td")));
  const where = new Map();
  rows.forEach((tds, r) => tds.forEach((td, c) => where.set(td, [r, c])));

  const formOf = (td) => (td ? td.querySelector("form.cell") : null);
  const cellOf = (el) => (el && el.form && el.form.classList.contains("cell") ? el.form : null);
  const typed = (form) => ({ points: form.elements.points.value.trim(), reason: form.elements.reason.value.trim() });
  const isDirty = (form) => {
    const now = typed(form);
    return now.points !== form.dataset.savedPoints || now.reason !== form.dataset.savedReason;
  };

  // --- The reason box opens below full marks. The comparison is only a hint (the server checks
  // with decimals), so a plain Number is fine here; full-width digits count (app.js: typedPoints).
  function belowMax(form) {
    const points = window.typedPoints(form.elements.points.value);
    return !isNaN(points) && points < Number(form.dataset.max);
  }
  function syncReason(form) {
    const box = form.elements.reason;
    box.hidden = !(belowMax(form) || box.value.trim() !== "" || box.getAttribute("aria-invalid") === "true");
  }

  // --- Moving: to the next cell with an input in a direction, skipping "—" cells.
  function focusCell(td) {
    const form = formOf(td);
    if (!form) return false;
    const input = form.elements.points;
    input.focus({ preventScroll: true });
    input.scrollIntoView({ block: "nearest", inline: "nearest" }); // scroll-margin keeps it clear of sticky headers
    input.select();
    return true;
  }
  function move(td, dr, dc) {
    let [r, c] = where.get(td);
    for (;;) {
      r += dr;
      c += dc;
      if (r < 0 || r >= rows.length || c < 0 || c >= rows[r].length) return false;
      if (focusCell(rows[r][c])) return true;
    }
  }

  // --- The save queue.
  const queue = [];
  const forced = new Set(); // cells whose conflict the user chose to overwrite
  let inFlight = null;
  let leaving = null; // where to go once every save is done (leave())

  function requestSave(td, force) {
    const form = formOf(td);
    // A cell being saved is not queued again: carryOver() looks at it when the answer is in.
    if (!form || td === inFlight || !isDirty(form)) return;
    if (force) forced.add(td);
    if (!queue.includes(td)) queue.push(td);
    pump();
  }

  function pump() {
    while (!inFlight && queue.length) {
      const td = queue.shift();
      const form = formOf(td);
      const force = forced.delete(td);
      // A conflict is never overwritten by leaving the cell: only "用我的覆盖" does that.
      if (form && isDirty(form) && (force || !form.classList.contains("has-conflict"))) send(td, form);
    }
    showStatus();
    if (leaving && !inFlight && !queue.length) {
      const go = leaving;
      leaving = null;
      if (table.querySelector("form.cell.dirty")) {
        noteLine.textContent = gettext("有未能保存的格子（标红或标黄），请先处理或按 Esc 撤销后再离开本页。");
      } else {
        go();
      }
    }
  }

  // --- Leaving for another page of units: everything typed is saved first.
  const busy = () => inFlight || queue.length || table.querySelector("form.cell.dirty");
  function leave(go) {
    leaving = go;
    table.querySelectorAll("form.cell.dirty").forEach((form) => requestSave(form.closest("td")));
    pump();
  }
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-grid-nav]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || !busy()) return;
    event.preventDefault();
    leave(() => { window.location.href = link.href; });
  });

  function send(td, form) {
    const sent = typed(form);
    inFlight = td;
    td.classList.add("saving");
    htmx.ajax("POST", form.dataset.url, { source: form, target: form, swap: "outerHTML" })
      .catch(() => say(td, gettext("网络错误，未保存；请检查网络后再离开这一格重试。")))
      .finally(() => {
        td.classList.remove("saving");
        inFlight = null;
        carryOver(td, sent);
        pump();
      });
  }

  // The user may have kept typing in the cell while its save was on the way: the server's answer
  // shows what was sent, so put the newer text back (and save it, unless the user is still there).
  function carryOver(td, sent) {
    const latest = td.latest;
    delete td.latest;
    const form = formOf(td);
    if (!form || !latest || (latest.points === sent.points && latest.reason === sent.reason)) return;
    form.elements.points.value = latest.points;
    form.elements.reason.value = latest.reason;
    syncReason(form);
    form.classList.toggle("dirty", isDirty(form));
    if (!td.contains(document.activeElement)) requestSave(td);
  }

  // A message in the cell without replacing it (what was typed stays).
  function say(td, text) {
    const form = formOf(td);
    const box = form || td;
    let message = box.querySelector(".cell-msg");
    if (!message) {
      message = document.createElement("p");
      message.className = "cell-msg";
      message.setAttribute("role", "alert");
      box.appendChild(message);
    }
    message.textContent = text;
    if (form) form.classList.add("has-error");
  }

  function revert(form) {
    form.elements.points.value = form.dataset.savedPoints;
    form.elements.reason.value = form.dataset.savedReason;
    form.querySelectorAll(".cell-msg").forEach((message) => message.remove());
    form.querySelectorAll("[aria-invalid]").forEach((input) => input.removeAttribute("aria-invalid"));
    form.classList.remove("has-error", "has-conflict", "dirty");
    syncReason(form);
    showStatus();
  }

  function showStatus() {
    const waiting = queue.length + (inFlight ? 1 : 0);
    const problems = table.querySelectorAll("form.cell.has-error, form.cell.has-conflict").length;
    statusLine.textContent = waiting ? interpolate(gettext("正在保存……还有%s项"), [waiting])
      : problems ? interpolate(gettext("有%s个格子需要处理（标红或标黄的格子）"), [problems]) : "";
  }

  // --- htmx: swap the 409 and 422 answers too (they are cells); write plain-text errors into the cell.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const form = event.detail.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("cell")) return;
    const td = form.closest("td");
    td.latest = typed(form);
    const status = event.detail.xhr.status;
    if (status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    } else if (status >= 400) {
      event.detail.shouldSwap = false;
      event.detail.isError = false;
      const text = event.detail.xhr.getResponseHeader("Content-Type")?.startsWith("text/plain")
        ? event.detail.xhr.responseText : interpolate(gettext("保存失败（服务器错误 %s），未保存。"), [status]);
      say(td, text);
    }
  });
  document.body.addEventListener("htmx:afterSettle", showStatus);

  // --- Typing.
  table.addEventListener("input", (event) => {
    const form = cellOf(event.target);
    if (!form) return;
    if (event.target.name === "points") syncReason(form);
    form.classList.toggle("dirty", isDirty(form));
  });

  // Leaving a cell saves it; moving between its points and its reason does not. Decided a moment
  // later and by the <td>: when an answer replaces the focused form, the browser reports a focusout
  // and htmx puts the focus back into the new form, in the same <td>; that is no leaving.
  table.addEventListener("focusout", (event) => {
    const form = cellOf(event.target);
    if (!form) return;
    const td = form.closest("td");
    setTimeout(() => { if (!td.contains(document.activeElement)) requestSave(td); }, 0);
  });

  table.addEventListener("keydown", (event) => {
    const input = event.target;
    const form = cellOf(input);
    if (!form || event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
    const td = form.closest("td");
    const inPoints = input.name === "points";
    const length = input.value.length;
    // The whole value selected (as after arriving in a cell) counts as being at both ends.
    const whole = input.selectionStart === 0 && input.selectionEnd === length;
    switch (event.key) {
      case "Enter":
        if (!inPoints && event.shiftKey) return; // a new line in the reason
        event.preventDefault();
        if (form.classList.contains("has-conflict")) { // decide first: to the two buttons
          form.querySelector("[data-choice]").focus();
        } else if (inPoints && belowMax(form) && !form.elements.reason.value.trim()) {
          syncReason(form); // below full marks: the reason comes first
          form.elements.reason.focus();
        } else {
          requestSave(td);
          move(td, 1, 0);
        }
        return;
      case "Escape":
        event.preventDefault();
        revert(form);
        form.elements.points.focus();
        form.elements.points.select();
        return;
      case "ArrowDown":
      case "ArrowUp":
        if (!inPoints) return; // in the reason the arrows move the caret
        event.preventDefault();
        move(td, event.key === "ArrowDown" ? 1 : -1, 0);
        return;
      case "ArrowLeft":
        if (inPoints && (whole || input.selectionEnd === 0)) {
          event.preventDefault();
          move(td, 0, -1);
        }
        return;
      case "ArrowRight":
        if (inPoints && (whole || input.selectionStart === length)) {
          event.preventDefault();
          move(td, 0, 1);
        }
        return;
    }
  });

  // The two answers to a conflict. Overwriting posts the user's values with the current version
  // (already in the cell); taking the saved values needs no request: the cell holds them.
  table.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-choice]");
    const form = button && cellOf(button);
    if (!form) return;
    const td = form.closest("td");
    if (button.dataset.choice === "mine") {
      requestSave(td, true);
    } else {
      revert(form);
    }
    focusCell(td);
  });

  // --- Pasting from Excel: rows of tab-separated values fill the cells below and to the right,
  // row for row as the grid shows them. A blank value leaves its cell alone; a value that lands on
  // a "—" cell (the item does not apply) or outside the grid is ignored and counted.
  const fullWidth = /[０-９．]/g;
  const clean = (text) => {
    const value = text.trim().replace(fullWidth, (ch) => (ch === "．" ? "." : String.fromCharCode(ch.charCodeAt(0) - 0xfee0)));
    return /^[—–\-－]$/.test(value) ? "" : value;
  };
  table.addEventListener("paste", (event) => {
    const form = cellOf(event.target);
    const text = event.clipboardData ? event.clipboardData.getData("text/plain") : "";
    if (!form || event.target.name !== "points" || !/[\t\n\r]/.test(text.replace(/[\r\n]+$/, ""))) return;
    event.preventDefault(); // more than one value: ours to spread
    const [r0, c0] = where.get(form.closest("td"));
    const lines = text.replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n");
    let filled = 0;
    let ignored = 0;
    lines.forEach((line, i) => line.split("\t").forEach((raw, j) => {
      const value = clean(raw);
      if (value === "") return;
      const td = rows[r0 + i] && rows[r0 + i][c0 + j];
      const target = formOf(td);
      if (!target) { ignored += 1; return; }
      target.elements.points.value = value;
      syncReason(target);
      target.classList.toggle("dirty", isDirty(target));
      requestSave(td);
      filled += 1;
    }));
    noteLine.textContent = ignored
      ? interpolate(gettext("已粘贴%(filled)s个分数；%(ignored)s个落在不适用（—）的格子或表格以外，已忽略。"),
        { filled, ignored }, true)
      : interpolate(gettext("已粘贴%s个分数。"), [filled]);
  });

  // --- Cells never submit as forms; the submit button waits until everything is saved.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.classList.contains("cell")) {
      event.preventDefault();
      requestSave(form.closest("td"));
    } else if (form.hasAttribute("data-grid-nav") && busy()) {
      event.preventDefault();
      leave(() => form.submit());
    } else if (form.hasAttribute("data-flush") && (inFlight || queue.length || table.querySelector("form.cell.dirty"))) {
      event.preventDefault();
      event.stopPropagation(); // no confirmation dialog for a submit that cannot go ahead yet
      noteLine.textContent = gettext("还有未保存的修改（标黄的格子），请先保存或按 Esc 撤销后再提交。");
    }
  }, true);

  window.addEventListener("beforeunload", (event) => {
    if (inFlight || queue.length || table.querySelector("form.cell.dirty")) event.preventDefault();
  });
})();
