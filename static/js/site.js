// Progressive enhancement only: every page works without this file.
"use strict";

// Where the reader was when a filter changed, kept across the page load that applies it.
const POSITION_KEY = "budget2026:list-position";
const NARROW = window.matchMedia("(max-width: 760px)");

function rememberPosition(element) {
  const target = element && element.id ? element : document.getElementById("results-heading");
  if (!target) return;
  const panel = document.getElementById("filter-panel");
  try {
    sessionStorage.setItem(POSITION_KEY, JSON.stringify({
      path: location.pathname,
      id: target.id,
      top: target.getBoundingClientRect().top,
      panelOpen: Boolean(panel && panel.open),
    }));
  } catch (error) {
    // Storage may be unavailable (private mode): the page still lands on the results.
  }
}

function takePosition() {
  try {
    const stored = sessionStorage.getItem(POSITION_KEY);
    sessionStorage.removeItem(POSITION_KEY);
    const position = stored && JSON.parse(stored);
    return position && position.path === location.pathname ? position : null;
  } catch (error) {
    return null;
  }
}

function setUpFilterList() {
  const form = document.getElementById("filter-form");
  if (!form) return;
  const panel = document.getElementById("filter-panel");
  const heading = document.getElementById("results-heading");
  const status = document.getElementById("results-status");

  // On a wide screen the filters are a sidebar, always open; on a phone they fold away under
  // the "Filter (n active)" button, unless the reader was just using them.
  const position = takePosition();
  const fitPanel = () => {
    if (!panel) return;
    if (!NARROW.matches) panel.open = true;
  };
  // A filter that could not be used keeps the panel open, so its message is seen.
  const hasErrors = Boolean(form.querySelector('#filter-panel [aria-invalid="true"], #filter-panel .field-error'));
  if (panel && NARROW.matches) panel.open = hasErrors || Boolean(position && position.panelOpen);
  NARROW.addEventListener("change", fitPanel);

  if (position) {
    const target = document.getElementById(position.id) || heading;
    if (panel && panel.contains(target)) panel.open = true;
    // Put the control back where it was on the screen, and keep focus on it.
    const shift = target.getBoundingClientRect().top - position.top;
    window.scrollBy(0, shift);
    target.focus({ preventScroll: true });
    if (status && heading) {
      // A live region announces changes, not text present on load: fill it a moment later.
      window.setTimeout(() => { status.textContent = heading.textContent.trim(); }, 400);
    }
  }

  // Ticking a checkbox applies it at once. Radio buttons and the sort menu wait for their
  // button: arrow keys move through them, and must not submit on the way.
  form.addEventListener("change", (event) => {
    if (event.target.matches('input[type="checkbox"]')) {
      form.requestSubmit();
    }
  });
  // Without this script the addresses end in #results-heading, so the browser lands on the
  // results; with it, the script puts the reader back exactly, and the browser must not jump.
  form.addEventListener("submit", (event) => {
    const active = document.activeElement;
    const inUse = active && active.id && (form.contains(active) || active.form === form);
    rememberPosition(inUse ? active : event.submitter || heading);
    form.setAttribute("action", "");
  });
  // Removing a filter or clearing them all lands on the results heading.
  document.querySelectorAll(".remove-filter, .clear-all").forEach((link) => {
    link.addEventListener("click", () => {
      rememberPosition(heading);
      link.href = link.href.split("#")[0];
    });
  });
}

// Tables wider than the screen scroll sideways: say so above them.
function markScrollableTables() {
  document.querySelectorAll(".table-scroll").forEach((region) => {
    const update = () => {
      const scrollable = region.scrollWidth > region.clientWidth + 1;
      region.classList.toggle("is-scrollable", scrollable);
      let hint = region.previousElementSibling;
      if (!hint || !hint.classList.contains("scroll-hint")) {
        if (!scrollable || !region.dataset.scrollHint) return;
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = region.dataset.scrollHint + " →";
        region.before(hint);
      }
      hint.hidden = !scrollable;
    };
    update();
    window.addEventListener("resize", update);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setUpFilterList();
  markScrollableTables();
});
