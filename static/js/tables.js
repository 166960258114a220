// A table wider than the screen scrolls inside itself (app.css); make that region reachable and
// named for keyboard and screen-reader users, and only while it actually scrolls.
(function () {
  function mark() {
    document.querySelectorAll("main table").forEach(function (table) {
      var scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && !table.hasAttribute("tabindex")) {
        table.setAttribute("tabindex", "0");
        table.setAttribute("data-scroll-region", "");
        if (!table.getAttribute("aria-label") && !table.getAttribute("aria-labelledby")) {
          var caption = table.querySelector("caption");
          var heading = table.closest("section") && table.closest("section").querySelector("h2, h1");
          var name = (caption || heading || document.querySelector("h1") || {}).textContent;
          table.setAttribute("aria-label", (name || "Table").trim() + " (scrolls sideways)");
        }
      } else if (!scrolls && table.hasAttribute("data-scroll-region")) {
        table.removeAttribute("tabindex");
        table.removeAttribute("data-scroll-region");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("resize", mark);
})();
