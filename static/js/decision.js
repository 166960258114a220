// The reviewer's decision form (part C): the submit button says what it does (Approve, Modify,
// Deny) and a denial asks for confirmation first (data-confirm, see confirm.js).
(function () {
  var LABELS = { approve: "Approve", modify: "Modify", deny: "Deny" };

  function update(form) {
    var button = form.querySelector(".decision-submit");
    var chosen = form.querySelector('input[name="decision"]:checked');
    var value = chosen ? chosen.value : "";
    button.textContent = LABELS[value] || "Record decision";
    if (value === "deny") button.setAttribute("data-confirm", button.getAttribute("data-deny-confirm"));
    else button.removeAttribute("data-confirm");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.decision-form");
    if (!form) return;
    form.addEventListener("change", function (event) {
      if (event.target.name === "decision") update(form);
    });
    update(form);
  });
})();
