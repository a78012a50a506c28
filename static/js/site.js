// Progressive enhancement only: every page works without this file.
// On the measure list, choosing a filter option applies it at once.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("filter-form");
  if (!form) return;
  form.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches('input[type="checkbox"], input[type="radio"], select')) {
      form.requestSubmit();
    }
  });
});
