// Kaohe page behaviour that htmx does not cover. Forms with data-confirm ask before submitting.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
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
