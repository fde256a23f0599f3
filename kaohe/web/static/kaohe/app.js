// Kaohe page behaviour that htmx does not cover. Forms (or the button that submits them) with
// data-confirm ask before submitting.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = (event.submitter && event.submitter.dataset.confirm) || (form instanceof HTMLFormElement && form.dataset.confirm);
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// htmx leaves 4xx answers unswapped; forms marked data-swap-errors show the server's 409/422
// answer (the row with its error message) in place.
document.body.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if ((status === 409 || status === 422) && event.detail.elt.closest("[data-swap-errors]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// An htmx request that was refused or failed, and that the page does not answer in place (a
// grid cell, a form marked data-swap-errors): the server's message at the top of the page.
// Kaohe's error answers to htmx are plain text (kaohe.web.errors); anything else (a proxy's page)
// gets a general message, never the foreign HTML.
function showAlert(text) {
  const alert = document.getElementById("page-alert");
  if (!alert) return;
  alert.textContent = text;
  alert.hidden = false;
  alert.scrollIntoView({ block: "nearest" });
}

function answersInPlace(element) {
  return element instanceof Element && element.closest("form.cell, [data-swap-errors]") !== null;
}

document.body.addEventListener("htmx:responseError", (event) => {
  if (answersInPlace(event.detail.elt)) return;
  const xhr = event.detail.xhr;
  const plain = (xhr.getResponseHeader("Content-Type") || "").startsWith("text/plain");
  showAlert(plain && xhr.responseText ? xhr.responseText
    : interpolate(gettext("操作没有完成：服务器答复 %s。请刷新页面后重试。"), [xhr.status]));
});

document.body.addEventListener("htmx:sendError", (event) => {
  if (answersInPlace(event.detail.elt)) return;
  showAlert(gettext("网络连接失败，操作没有完成。请检查网络后重试。"));
});

// Points as people type them, for hints only (the server reads them by the one rule in
// kaohe.core.points.parse_typed): full-width digits, "．", "。" or "｡" as the decimal point, full-width
// signs. A Number, or NaN for blank text or anything that is not a number.
window.typedPoints = (text) => {
  const plain = String(text).trim()
    .replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xFF10 + 48))
    .replace(/[．。｡]/g, ".").replace(/＋/g, "+").replace(/[－−]/g, "-");
  return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,4})?$/.test(plain) ? Number(plain) : NaN;
};
