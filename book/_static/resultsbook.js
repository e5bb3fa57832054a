// Accessibility: an aria-label that hides a control's visible text (the theme's search buttons, the code
// toggles) gives screen readers a name other than what sighted users read. Such controls are named by
// their own text instead; icon-only controls keep their label.
function rbNameByVisibleText() {
  // icons inside a labelled button are decoration; their titles would compete with the label
  document.querySelectorAll("button[aria-label] i[title]").forEach(function (icon) {
    icon.removeAttribute("title");
    icon.setAttribute("aria-hidden", "true");
  });
  document.querySelectorAll("[aria-label]").forEach(function (el) {
    var text = (el.innerText || "").replace(/\s+/g, " ").trim().toLowerCase();
    var label = el.getAttribute("aria-label").trim().toLowerCase();
    if (text && label.indexOf(text) === -1) {
      el.removeAttribute("aria-label");
    }
  });
}
document.addEventListener("DOMContentLoaded", rbNameByVisibleText);
window.addEventListener("load", rbNameByVisibleText);
