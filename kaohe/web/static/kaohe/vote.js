// The voting page (kaohe/survey/vote_views.py). A slip's QR code opens /vote/#CODE: the code is
// moved from the address into the form, the address is cleaned (no code in the history), and the
// form is sent by POST — the code never appears in a URL the server sees. The check symbol is
// tested as the rater types, so a typo is caught before it is sent. On the ballot, abstaining on
// one question of a target abstains on all of them, and a ballot with a target left out is
// stopped before it is sent (the server refuses it too).
(function () {
  "use strict";
  const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

  function symbols(text) {
    return (text || "").normalize("NFKC").toUpperCase().replace(/[\s\-_.\u3000]/g, "");
  }

  function wellFormed(text) {
    const s = symbols(text);
    if (s.length !== 12) return false;
    let sum = 0;
    for (let i = 0; i < 12; i++) {
      const v = ALPHABET.indexOf(s[i]);
      if (v < 0) return false;
      sum += (12 - i) * v;
    }
    return sum % 31 === 0;
  }

  function codePage(form) {
    const input = form.querySelector("#code");
    const hint = form.querySelector("#code-hint");
    const check = () => {
      const s = symbols(input.value);
      hint.textContent = s.length >= 12 && !wellFormed(input.value) ? form.dataset.typo : "";
    };
    input.addEventListener("input", check);
    form.addEventListener("submit", (event) => {
      if (!wellFormed(input.value)) {
        check();
        hint.textContent = form.dataset.typo;
        event.preventDefault();
      }
    });
    const fromLink = () => {
      const fragment = decodeURIComponent(window.location.hash.slice(1));
      if (!fragment) return;
      history.replaceState(null, "", window.location.pathname);
      input.value = fragment;
      if (wellFormed(fragment)) form.requestSubmit();
      else check();
    };
    window.addEventListener("hashchange", fromLink); // a second link opened on the same page
    fromLink();
  }

  function ballotPage(form) {
    const hint = form.querySelector("#ballot-hint");
    form.addEventListener("change", (event) => {
      const radio = event.target;
      if (!(radio instanceof HTMLInputElement) || radio.type !== "radio") return;
      const target = radio.closest(".vote-target");
      const groups = new Set([...target.querySelectorAll("input[type=radio]")].map((r) => r.name));
      if (radio.value === "-") {
        groups.forEach((name) => { const r = target.querySelector(`input[name="${name}"][value="-"]`); if (r) r.checked = true; });
      } else {
        groups.forEach((name) => { const r = target.querySelector(`input[name="${name}"][value="-"]:checked`); if (r) r.checked = false; });
      }
      target.classList.remove("missing");
    });
    form.addEventListener("submit", (event) => {
      const missing = [];
      let rated = 0;
      const targets = form.querySelectorAll(".vote-target");
      targets.forEach((target) => {
        const names = new Set([...target.querySelectorAll("input[type=radio]")].map((r) => r.name));
        const chosen = [...names].map((name) => target.querySelector(`input[name="${name}"]:checked`));
        if (chosen.some((r) => !r)) {
          missing.push(target.querySelector("legend").textContent.trim());
          target.classList.add("missing");
        } else if (chosen.every((r) => r.value !== "-")) {
          rated += 1;
        }
      });
      if (missing.length) {
        event.preventDefault();
        hint.textContent = form.dataset.missing + missing.join("、");
        form.querySelector(".vote-target.missing").scrollIntoView({ block: "center" });
        return;
      }
      const n = Number(form.dataset.numerator), d = Number(form.dataset.denominator);
      if (rated * d < n * targets.length && !window.confirm(form.dataset.invalid)) {
        event.preventDefault();
        return;
      }
      form.querySelector("button[type=submit]").disabled = true; // one submit (the server refuses a second anyway)
    });
  }

  const codeForm = document.getElementById("code-form");
  if (codeForm) codePage(codeForm);
  const ballotForm = document.getElementById("ballot-form");
  if (ballotForm) ballotPage(ballotForm);
})();
