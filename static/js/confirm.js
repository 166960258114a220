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
      if (!p) return;
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
    // "close" arrives as a task after the dialog shut: by then the user may have asked again
    // (Escape, then Enter at once on the restored button). A reopened dialog keeps its question.
    dialog.addEventListener("close", function () {
      if (dialog.open || !pending) return;
      var back = pending.submitter || pending.form;
      pending = null;
      back.focus();
    });
  });
})();
