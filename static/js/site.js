// Progressive enhancement only: every page works without this file.
// On the measure list, ticking a checkbox applies it at once. Radio buttons and the sort menu
// wait for the Apply button: arrow keys move through them, and must not submit on the way.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("filter-form");
  if (!form) return;
  form.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches('input[type="checkbox"]')) {
      form.requestSubmit();
    }
  });
});
