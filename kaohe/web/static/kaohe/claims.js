// The self-assessment page (claims/unit.html): one form for every criterion, saved at once by htmx
// (the server answers with the form: saved rows marked 已保存, or nothing saved and each refused row's
// reason at the row). What this script adds, so that nothing looks saved that is not:
// - a row whose points or explanation differ from what the page was given (its was- fields) is
//   marked 未保存, and the bar counts such rows; "已填 x / n" counts the rows with points, as typed;
// - while a save is on its way the fields are read-only, so nothing typed meanwhile is lost when
//   the answer replaces the form;
// - a save that gets no answer (network failure, timeout) or an answer other than the form (403,
//   500, …) leaves every field as typed and says so in the bar, in words the page carries;
// - leaving the page with unsaved rows asks first; submitting the self-assessment is refused, with
//   the reason beside the button, until they are saved.
(() => {
  const FORM = "form[data-claims]";
  const lines = (text) => text.replace(/\r\n?/g, "\n");
  const format = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => values[key]);

  function isDirty(row) {
    const points = row.querySelector("[data-points]");
    const explanation = row.querySelector("[data-explanation]");
    return points.value !== row.querySelector("[data-was-points]").value
      || lines(explanation.value) !== lines(row.querySelector("[data-was-explanation]").value);
  }

  function refresh(form) {
    let filled = 0;
    let unsaved = 0;
    const sections = new Map();
    form.querySelectorAll("article.claim[data-code]").forEach((row) => {
      const dirty = isDirty(row);
      const has = row.querySelector("[data-points]").value.trim() !== "";
      row.classList.toggle("dirty", dirty);
      row.classList.toggle("filled", has);
      if (dirty) row.classList.remove("saved");
      const state = row.querySelector("[data-row-state]");
      state.textContent = dirty || row.classList.contains("has-error") ? form.dataset.unsavedRow
        : row.classList.contains("saved") ? form.dataset.savedRow : "";
      filled += has;
      unsaved += dirty;
      const section = row.closest("[data-section]");
      if (section) sections.set(section, (sections.get(section) || 0) + has);
    });
    document.querySelectorAll("[data-filled]").forEach((el) => { el.textContent = filled; });
    sections.forEach((count, section) => {
      section.querySelectorAll("[data-section-filled]").forEach((el) => { el.textContent = count; });
      document.querySelectorAll(`[data-section-count="${CSS.escape(section.dataset.section)}"]`).forEach((el) => {
        el.textContent = el.textContent.replace(/^\d+/, count);
      });
    });
    const badge = form.querySelector("[data-unsaved]");
    badge.hidden = unsaved === 0;
    badge.textContent = format(form.dataset.unsavedCount, { count: unsaved });
    form.dataset.unsaved = unsaved;
    return unsaved;
  }

  function say(form, text) {
    const status = form.querySelector("[data-status]");
    status.textContent = text;
    status.className = "status error";
    status.setAttribute("role", "alert");
    form.querySelector(".save-bar").classList.remove("is-ok");
    form.querySelector(".save-bar").classList.add("is-error");
  }

  function fields(form, readOnly) {
    form.querySelectorAll("[data-points], [data-explanation]").forEach((el) => { el.readOnly = readOnly; });
    form.setAttribute("aria-busy", readOnly ? "true" : "false");
  }

  const grow = (box) => { box.style.height = "auto"; box.style.height = `${box.scrollHeight + 2}px`; };

  document.addEventListener("input", (event) => {
    const form = event.target.closest && event.target.closest(FORM);
    if (!form) return;
    if (event.target.matches("[data-explanation]")) grow(event.target);
    refresh(form);
  });

  // "只看未填…": rows with points, saved and without an error are hidden (a class on <body>, so
  // that it holds when a save's answer replaces the form).
  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-only-empty]")) document.body.classList.toggle("only-empty", event.target.checked);
  });
  // A link to a dimension opens it if it was folded.
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("nav.sections a");
    const section = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (section && section.tagName === "DETAILS") section.open = true;
  });

  // htmx's events bubble from the form; the answer that replaces it is refreshed when it settles.
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    if (event.target.matches(FORM)) fields(event.target, true);
  });
  // The answer replaces the form: dimensions folded before stay folded, the filter stays on.
  let folded = [];
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.target.matches(FORM)) {
      folded = Array.from(event.target.querySelectorAll("details[data-section]:not([open])"), (d) => d.dataset.section);
    }
  });
  document.body.addEventListener("htmx:afterSettle", () => {
    const form = document.querySelector(FORM);
    if (!form) return;
    form.querySelectorAll("details[data-section]").forEach((d) => {
      if (folded.includes(d.dataset.section) && !d.querySelector(".has-error")) d.open = false;
    });
    const filter = form.querySelector("[data-only-empty]");
    if (filter) filter.checked = document.body.classList.contains("only-empty");
    start(form);
    // a refused save: the first refused row in the middle of the screen, its field ready to correct
    const refused = form.querySelector("article.claim.has-error");
    if (refused) {
      refused.scrollIntoView({ block: "center" });
      const field = refused.querySelector("[aria-invalid=true]");
      if (field) field.focus({ preventScroll: true });
    }
  });
  const failed = (message) => (event) => {
    const form = event.target.closest && event.target.closest(FORM);
    if (!form) return;
    fields(form, false);
    refresh(form);
    say(form, message(form, event));
  };
  document.body.addEventListener("htmx:sendError", failed((form) => form.dataset.networkError));
  document.body.addEventListener("htmx:timeout", failed((form) => form.dataset.timeoutError));
  document.body.addEventListener("htmx:responseError", failed((form, event) => {
    const status = event.detail.xhr.status;
    const text = status === 403 || status === 401 ? form.dataset.sessionError : form.dataset.serverError;
    return format(text, { status });
  }));

  window.addEventListener("beforeunload", (event) => {
    const form = document.querySelector(FORM);
    if (form && refresh(form) > 0) {
      event.preventDefault();
      event.returnValue = form.dataset.leaveWarning;
    }
  });

  // Before app.js asks to confirm the submission (capture phase: this runs first and stops it).
  document.addEventListener("submit", (event) => {
    const submit = event.target;
    if (!(submit instanceof HTMLFormElement) || !submit.dataset.needsSaved) return;
    const form = document.querySelector(submit.dataset.needsSaved);
    const unsaved = form && form.matches(FORM) ? refresh(form) : 0;
    const error = submit.querySelector("[data-submit-error]");
    if (unsaved > 0) {
      event.preventDefault();
      event.stopPropagation();
      error.textContent = format(form.dataset.submitUnsaved, { count: unsaved });
      error.hidden = false;
    }
  }, true);

  function start(form) {
    form.querySelectorAll("[data-explanation]").forEach((box) => { if (box.value) grow(box); });
    refresh(form);
  }
  const form = document.querySelector(FORM);
  if (form) start(form);
})();
