// The theme's search buttons show "Search… Ctrl+K" but are labelled "Search" for assistive technology, so
// a reader who speaks what they see ("click Search Ctrl K") cannot reach them (axe: label-content-name-mismatch).
// Without the label, their name is their visible text. (Jupyter Book adds every script in _static/ to each page.)
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".search-button__button[aria-label]").forEach(button => button.removeAttribute("aria-label"));
});
