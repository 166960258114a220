// Idle sign-out warning (R-X3): a minute before the session ends for inactivity, a dialog offers
// to stay signed in. "Stay signed in" tells the server (POST, counts as activity); ignoring it
// ends on the sign-in page. The server decides: other tabs' activity is asked for before warning.
(function () {
  "use strict";
  var dialog = document.getElementById("idle-warning");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var statusUrl = dialog.dataset.statusUrl;
  var loginUrl = dialog.dataset.loginUrl;
  var warnSeconds = parseInt(dialog.dataset.warningSeconds, 10) || 60;
  var stayForm = document.getElementById("idle-stay");
  var stayButton = document.getElementById("idle-stay-button");
  var countdown = document.getElementById("idle-countdown");
  var timer = null;
  var ticker = null;
  var deadline = 0;

  function clearTimers() {
    window.clearTimeout(timer);
    window.clearInterval(ticker);
  }

  function describe(seconds) {
    if (seconds >= 60) {
      var minutes = Math.round(seconds / 60);
      return minutes + (minutes === 1 ? " minute" : " minutes");
    }
    return seconds + (seconds === 1 ? " second" : " seconds");
  }

  function schedule(secondsLeft) {
    clearTimers();
    var wait = Math.max(0, secondsLeft - warnSeconds);
    timer = window.setTimeout(check, wait * 1000);
  }

  function signedOut() {
    clearTimers();
    var next = window.location.pathname + window.location.search;
    window.location.assign(loginUrl + "?next=" + encodeURIComponent(next));
  }

  function ask(method) {
    var options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method === "POST") {
      options.headers["X-CSRFToken"] = stayForm.querySelector("input[name=csrfmiddlewaretoken]").value;
    }
    return window.fetch(statusUrl, options).then(function (response) {
      if (response.status === 401) {
        return { seconds_left: 0 };
      }
      if (!response.ok) {
        throw new Error("session status " + response.status);
      }
      return response.json();
    });
  }

  function check() {
    ask("GET").then(function (data) {
      var left = data.seconds_left;
      if (left <= 0) {
        signedOut();
      } else if (left > warnSeconds + 2) {
        if (dialog.open) {
          dialog.close();
        }
        schedule(left);
      } else {
        warn(left);
      }
    }, function () {
      timer = window.setTimeout(check, 5000);
    });
  }

  function warn(left) {
    clearTimers();
    deadline = Date.now() + left * 1000;
    countdown.textContent = describe(left);
    if (!dialog.open) {
      dialog.showModal();
      stayButton.focus();
    }
    ticker = window.setInterval(function () {
      var remaining = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      countdown.textContent = describe(remaining);
    }, 1000);
    timer = window.setTimeout(check, left * 1000 + 500);
  }

  function stay(event) {
    if (event) {
      event.preventDefault();
    }
    ask("POST").then(function (data) {
      if (data.seconds_left <= 0) {
        signedOut();
        return;
      }
      dialog.close();
      schedule(data.seconds_left);
    }, signedOut);
  }

  stayForm.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.getAttribute("form") === "idle-signout") {
      return;
    }
    stay(event);
  });
  // Escape means "I am here": it keeps the session like the button.
  dialog.addEventListener("cancel", stay);

  schedule(parseInt(dialog.dataset.idleSeconds, 10) || 0);
})();
