/* The list pages' filter form, enhanced; everything here also works without it.
   1. On a wide screen the filters stay open beside the results (a browser that
      cannot style a disclosure's content needs the open attribute).
   2. A repeatable state filter gets an "Add another" button, where without
      script a reader applies the form to get one more empty input. */
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 48.01rem)");
  var panels = document.querySelectorAll("details.filter-panel");

  function openOnWideScreens() {
    if (!wide.matches) return;
    panels.forEach(function (panel) { panel.open = true; });
  }
  openOnWideScreens();
  if (wide.addEventListener) wide.addEventListener("change", openOnWideScreens);

  document.querySelectorAll(".state-inputs").forEach(function (group) {
    var max = parseInt(group.getAttribute("data-max"), 10) || 10;
    var itemLabel = group.getAttribute("data-item-label") || "State";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "add-input";
    button.textContent = "Add another " + itemLabel.toLowerCase();

    function rows() { return group.querySelectorAll(".state-input"); }
    function update() { button.hidden = rows().length >= max; }

    button.addEventListener("click", function () {
      var all = rows();
      var last = all[all.length - 1];
      var copy = last.cloneNode(true);
      var input = copy.querySelector("input");
      var label = copy.querySelector("label");
      var index = all.length;
      var id = input.id.replace(/_\d+$/, "_" + index);
      input.id = id;
      input.value = "";
      label.htmlFor = id;
      label.textContent = itemLabel + " " + (index + 1);
      last.after(copy);
      input.focus();
      update();
    });
    group.after(button);
    update();
  });
})();
