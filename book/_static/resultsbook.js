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

// Phone navigation. sphinx-book-theme 1.x draws its own sidebar buttons, while pydata-sphinx-theme 0.17 opens
// its sidebar dialogs only from its own (hidden) buttons, so on a phone neither menu opened. When a sidebar is
// collapsed, a click on the book theme's visible button is passed to the pydata button that opens the dialog.
function rbSidebarHidden(side) {
  var sidebar = document.getElementById("pst-" + side + "-sidebar");
  if (!sidebar) { return false; }
  var box = sidebar.getBoundingClientRect();
  return getComputedStyle(sidebar).visibility === "hidden" || box.right <= 0 || box.left >= window.innerWidth ||
    box.width === 0;
}
document.addEventListener("click", function (event) {
  var visible = event.target.closest && event.target.closest("button.sidebar-toggle.btn");
  if (!visible) { return; }
  ["primary", "secondary"].forEach(function (side) {
    if (!visible.classList.contains(side + "-toggle") || !rbSidebarHidden(side)) { return; }
    var opener = document.querySelector("." + side + "-toggle:not(.btn)");
    if (opener && opener !== visible) {
      event.preventDefault();
      event.stopImmediatePropagation();
      opener.click();
    }
  });
}, true);

// Wide tables scroll sideways inside their own box, with a visible cue, instead of being cut off.
function rbScrollableTables() {
  document.querySelectorAll("article table").forEach(function (table) {
    if (table.parentElement.classList.contains("rb-table-scroll")) { return; }
    var box = document.createElement("div");
    box.className = "rb-table-scroll";
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", (table.caption && table.caption.innerText) || "Table");
    table.parentElement.insertBefore(box, table);
    box.appendChild(table);
    var cue = function () { box.classList.toggle("rb-scrolls", box.scrollWidth > box.clientWidth + 1); };
    cue();
    window.addEventListener("resize", cue);
  });
}
document.addEventListener("DOMContentLoaded", rbScrollableTables);

// The header's switchers (editions, languages) share where they stand and what they link from: this page's
// name in the book (meta rb-page, written by helpers.sphinx_ext) and the path to this book's root.
function rbHere() {
  var meta = document.querySelector('meta[name="rb-page"]');
  return {page: meta ? meta.getAttribute("content") : "index",
          root: document.documentElement.getAttribute("data-content_root") || "./"};
}
function rbHeaderNav(className, label) {
  var nav = document.createElement("nav");
  nav.className = className;
  nav.setAttribute("aria-label", label);
  return nav;
}
function rbPlaceInHeader(nav) {
  var place = document.querySelector(".article-header-buttons") || document.querySelector(".bd-header-article");
  if (place) { place.parentNode.insertBefore(nav, place); } else { document.body.insertBefore(nav, document.body.firstChild); }
}

// Editions: a switcher in the header lists every edition built in this book's language (window.RB_EDITIONS,
// written by the build into _static/rb-editions.js) and links the same page in each; an edition without that
// page links its home page. Editions are published side by side: _build/<YEAR>/html/ (Spanish: .../html/es/).
function rbEditionSwitcher() {
  var editions = window.RB_EDITIONS;
  if (!editions || Object.keys(editions).length < 2 || document.querySelector(".rb-editions")) { return; }
  var here = rbHere();
  var words = window.RB_WORDS || {edition: "Edition:", editions: "Editions"};
  var nav = rbHeaderNav("rb-editions", words.editions);
  var label = document.createElement("span");
  label.className = "rb-editions-label";
  label.textContent = words.edition;
  nav.appendChild(label);
  Object.keys(editions).sort().reverse().forEach(function (year) {
    var item = rbEditionItem(year, here.page, "span");
    item.className = "rb-edition";
    nav.appendChild(item);
  });
  rbPlaceInHeader(nav);
}

// One edition as a switcher or a list shows it: this book's own as text (``tag``, marked current), another as a
// link to ``page`` in it (its home page when it has no such page).
function rbEditionItem(year, page, tag) {
  var editions = window.RB_EDITIONS, here = rbHere();
  var lang = window.RB_LANG && window.RB_LANG !== "en" ? window.RB_LANG + "/" : "";
  var item;
  if (year === window.RB_EDITION) {
    item = document.createElement(tag);
    item.setAttribute("aria-current", "page");
  } else {
    item = document.createElement("a");
    var target = editions[year].indexOf(page) >= 0 ? page : "index";
    item.href = here.root + "../../" + (lang ? "../" : "") + year + "/html/" + lang + target + ".html";
  }
  item.textContent = year;
  return item;
}
document.addEventListener("DOMContentLoaded", rbEditionSwitcher);

// The home page's list of editions: the books published beside this one (window.RB_EDITIONS, rewritten in every
// published book whenever an edition is built or unpublished), each linked to its home page; without the script,
// the list written when this book was built.
function rbEditionList() {
  var editions = window.RB_EDITIONS, list = document.querySelector(".rb-edition-links");
  if (!editions || !list) { return; }
  while (list.firstChild) { list.removeChild(list.firstChild); }
  Object.keys(editions).sort().forEach(function (year, i) {
    if (i) { list.appendChild(document.createTextNode(", ")); }
    list.appendChild(rbEditionItem(year, "book/index", "strong"));
  });
}
document.addEventListener("DOMContentLoaded", rbEditionList);

// Languages: a switcher in the header links the same page in each other language built of this edition
// (window.RB_LANGUAGES, written with the editions); English at _build/<YEAR>/html/, Spanish at .../html/es/.
function rbLanguageSwitcher() {
  var languages = window.RB_LANGUAGES, current = window.RB_LANG;
  if (!languages || Object.keys(languages).length < 2 || document.querySelector(".rb-languages")) { return; }
  var here = rbHere();
  var nav = rbHeaderNav("rb-languages", (window.RB_WORDS || {}).languages || "Languages");
  Object.keys(languages).sort().forEach(function (code) {
    if (code === current) { return; }
    var item = document.createElement("a");
    var target = languages[code].pages.indexOf(here.page) >= 0 ? here.page : "index";
    item.href = here.root + languages[code].root + target + ".html";
    item.className = "rb-language";
    item.setAttribute("lang", code);
    item.setAttribute("hreflang", code);
    item.textContent = languages[code].name;
    nav.appendChild(item);
  });
  rbPlaceInHeader(nav);
}
document.addEventListener("DOMContentLoaded", rbLanguageSwitcher);
