// The theme's search buttons show "Search… Ctrl+K", and its colour-mode button shows the mode's icon titled
// "Light", "Dark" or "System Settings", but both are labelled otherwise ("Search", "Color mode") for assistive
// technology, so a reader who speaks what they see cannot reach them (axe: label-content-name-mismatch).
// Without that label, each button's name is what it shows. The theme's tooltips (Bootstrap) give a button
// without text its tooltip as a label when they start, on DOMContentLoaded: so this runs after the page loads.
// (Jupyter Book adds every script in _static/ to each page.)
window.addEventListener("load", () => setTimeout(() => {
  document.querySelectorAll(".search-button__button[aria-label], .theme-switch-button[aria-label]")
    .forEach(button => button.removeAttribute("aria-label"));
}, 0));
