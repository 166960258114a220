// Irreversible actions ask first. A submit button (or a form) with data-confirm="question" opens the
// page's confirmation <dialog> instead of submitting; "Yes" submits with the same button, "Cancel" or
// Escape returns to the page with nothing sent and focus back on the button.
(function () {
  var dialog, pending;

  function ask(form, submitter) {
    var source = submitter && submitter.hasAttribute("data-confirm") ? submitter : form;
    dialog.querySelector("#confirm-text").textContent = source.getAttribute("data-confirm");
    dialog.querySelector("#confirm-yes").textContent =
      source.getAttribute("data-confirm-yes") || (submitter && submitter.textContent.trim()) || "Yes";
    pending = { form: form, submitter: submitter };
    dialog.showModal();
    dialog.querySelector("#confirm-no").focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    dialog = document.getElementById("confirm-dialog");
    if (!dialog) return;
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var submitter = event.submitter;
      var wanted = (submitter && submitter.hasAttribute("data-confirm")) || form.hasAttribute("data-confirm");
      if (!wanted || form.dataset.confirmed === "yes") return;
      event.preventDefault();
      ask(form, submitter);
    });
    dialog.querySelector("#confirm-yes").addEventListener("click", function () {
      var p = pending;
      pending = null;
      dialog.close();
      p.form.dataset.confirmed = "yes";
      if (p.form.requestSubmit) p.form.requestSubmit(p.submitter || undefined);
      else p.form.submit();
      delete p.form.dataset.confirmed;
    });
    dialog.querySelector("#confirm-no").addEventListener("click", function () {
      dialog.close();
    });
    dialog.addEventListener("close", function () {
      if (pending) {
        (pending.submitter || pending.form).focus();
        pending = null;
      }
    });
  });
})();
