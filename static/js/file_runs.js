// File runs page (exchange/views.py): while a run is queued or running, ask for its status every
// poll interval and move its progress bar; when it finishes or fails, say so in the polite live
// region and show its download link and "Run again". Without script the "Refresh" link reloads.
// "Run a file now": choosing another file fills the period start with that file's default date,
// as long as the date was not typed by hand.
(function () {
  var MAX_ERRORS = 5;

  function field(row, name) {
    return row.querySelector('[data-field="' + name + '"]');
  }

  function announce(text) {
    var region = document.getElementById("run-announcer");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function showProgress(row, data) {
    var bar = field(row, "progress");
    var p = data.progress;
    if (p.max === null) {
      bar.removeAttribute("value");
      bar.removeAttribute("max");
    } else {
      bar.max = Math.max(p.max, 1);
      bar.value = p.max === 0 ? (data.status === "done" ? 1 : 0) : p.value;
    }
    bar.setAttribute("aria-label", p.label);
    bar.textContent = p.text;
    field(row, "rows").textContent = p.text;
  }

  function showDone(row, data) {
    var holder = field(row, "download");
    holder.textContent = "";
    if (data.download_url) {
      var link = document.createElement("a");
      link.className = "button";
      link.href = data.download_url;
      link.textContent = "Download";
      var name = document.createElement("span");
      name.className = "sr";
      name.textContent = " " + data.file_name;
      link.appendChild(name);
      holder.appendChild(link);
    }
    var error = field(row, "error");
    error.textContent = data.error;
    error.hidden = !data.error;
    var rerun = field(row, "rerun");
    if (rerun) rerun.hidden = false;
    var sha = field(row, "sha256");
    sha.textContent = data.sha256 || "—";
    field(row, "finished").textContent = data.finished || "—";
  }

  function show(row, data) {
    var status = field(row, "status");
    status.textContent = data.status_label;
    status.className = "status status-" + data.status;
    field(row, "started").textContent = data.started || "—";
    showProgress(row, data);
    if (!data.active) {
      showDone(row, data);
      var outcome = data.status === "done" ? "finished" : data.status_label.toLowerCase();
      announce(data.title + " for " + data.network + ": " + outcome +
        (data.error ? ". " + data.error : "."));
    }
  }

  // No run left under way: the no-script "Refresh" link has nothing more to show.
  function finished(row) {
    row.removeAttribute("data-status-url");
    var refresh = document.getElementById("runs-refresh");
    if (refresh && !document.querySelector("tr[data-status-url]")) refresh.hidden = true;
  }

  function poll(row, every) {
    var url = row.getAttribute("data-status-url");
    var errors = 0;
    function ask() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (data) {
          errors = 0;
          show(row, data);
          if (data.active) window.setTimeout(ask, every);
          else finished(row);
        })
        .catch(function () {
          errors += 1;
          if (errors < MAX_ERRORS) window.setTimeout(ask, every * 2);
        });
    }
    window.setTimeout(ask, every);
  }

  function periodDefaults() {
    var form = document.getElementById("run-now");
    if (!form) return;
    var kind = form.querySelector('select[name="kind"]');
    var start = form.querySelector('input[name="period_start"]');
    var defaults;
    try { defaults = JSON.parse(form.getAttribute("data-period-defaults") || "{}"); } catch (e) { return; }
    if (!kind || !start) return;
    var typed = false;
    start.addEventListener("input", function () { typed = true; });
    kind.addEventListener("change", function () {
      if (!typed && defaults[kind.value]) start.value = defaults[kind.value];
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var table = document.querySelector("table.file-runs");
    periodDefaults();
    if (!table) return;
    var every = parseInt(table.getAttribute("data-poll-ms"), 10) || 1500;
    table.querySelectorAll("tr[data-status-url]").forEach(function (row) { poll(row, every); });
  });
})();
