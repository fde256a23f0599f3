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
