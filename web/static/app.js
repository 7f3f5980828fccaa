/* Progressive enhancement for the archive's pages; everything works without it.
   Statement form: live date preview, autocomplete from existing names and thesauri,
   suggestions from the pasted text accepted with a click, "add another" and "remove" rows.
   Upload page: progress polling. No framework, no third-party code. */
(function () {
  "use strict";

  /* The page's texts in its language (web/i18n.py hands them over as JSON); English else. */
  var UI = (function () {
    var block = document.getElementById("ui-text");
    try { return block ? JSON.parse(block.textContent) : {}; } catch (e) { return {}; }
  })();
  function t(text, values) {
    var out = UI[text] || text;
    Object.keys(values || {}).forEach(function (key) {
      out = out.split("%(" + key + ")s").join(values[key]);
    });
    return out;
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }

  function withParams(base, params) {
    var url = new URL(base, window.location.href);
    Object.keys(params).forEach(function (k) { url.searchParams.set(k, params[k]); });
    return url.toString();
  }

  /* Date typed as written → how the archive reads it, at once. */
  function datePreview(form) {
    var input = form.querySelector("[data-date-preview]");
    if (!input) { return; }
    var out = document.getElementById(input.getAttribute("data-date-preview"));
    var first = form.querySelector("#first");
    var update = debounce(function () {
      if (!input.value.trim()) { out.textContent = ""; out.classList.remove("bad"); return; }
      var params = { date: input.value, first: first ? first.value : "" };
      getJSON(withParams(form.dataset.parseDateUrl, params)).then(function (data) {
        out.textContent = data.message;
        out.classList.toggle("bad", !data.ok);
      }).catch(function () { /* the server shows it after submit */ });
    }, 250);
    input.addEventListener("input", update);
    if (first) { first.addEventListener("change", update); }
  }

  /* Autocomplete: fill the input's <datalist> with matching names. */
  function autocomplete(form, input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    input.addEventListener("input", debounce(function () {
      var q = input.value.trim();
      if (q.length < 2) { return; }
      getJSON(withParams(form.dataset.completeUrl, { kind: input.dataset.complete, q: q }))
        .then(function (data) {
          list.textContent = "";
          data.options.forEach(function (option) {
            var el = document.createElement("option");
            el.value = option.value;
            if (option.label !== option.value) { el.label = option.label; }
            list.appendChild(el);
          });
        }).catch(function () {});
    }, 200));
  }

  /* "Remove" on a repeated row: take it out here, without a round trip; the last row is
     emptied instead, so that one stays to type in. Checkbox values follow the positions. */
  function removeRow(rows, row) {
    var all = rows.querySelectorAll(".row");
    if (all.length === 1) {
      row.querySelectorAll("input").forEach(function (input) {
        if (input.type === "checkbox") { input.checked = false; } else { input.value = ""; }
      });
      row.querySelector("input").focus();
      return;
    }
    var next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    rows.querySelectorAll(".row").forEach(function (each, index) {
      each.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.value = String(index); });
    });
    if (next) { next.querySelector("input").focus(); }
  }

  function removeButton(rows, row) {
    var button = row.querySelector(".remove-row");
    if (!button) {
      button = document.createElement("button");
      button.className = "small secondary remove-row";
      button.textContent = t("Remove");
      row.appendChild(button);
    }
    button.type = "button";
    var label = row.querySelector("label:not(.check)");
    button.setAttribute("aria-label", t("Remove %(what)s", {what: label ? label.textContent.trim().toLowerCase() : t("this row")}));
    button.onclick = function () { removeRow(rows, row); };
  }

  /* "Add another" for repeated rows: clone the last row, empty it, renumber it. */
  function addRowButtons(form) {
    form.querySelectorAll(".rows").forEach(function (rows) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary small add-row";
      button.textContent = t("Add another");
      button.addEventListener("click", function () { addRow(form, rows).querySelector("input").focus(); });
      rows.insertAdjacentElement("afterend", button);
      rows.querySelectorAll(".row").forEach(function (row) { removeButton(rows, row); });
    });
  }

  function addRow(form, rows) {
    var all = rows.querySelectorAll(".row");
    var last = all[all.length - 1];
    var position = all.length;  /* the new-checkbox value: the row's place among the rows */
    var index = 0;  /* for ids: one more than any in use, as removed rows leave gaps */
    rows.querySelectorAll("input[id]").forEach(function (input) {
      var found = /-(\d+)$/.exec(input.id);
      if (found) { index = Math.max(index, Number(found[1]) + 1); }
    });
    var row = last.cloneNode(true);
    row.querySelectorAll("[id]").forEach(function (el) {
      el.id = el.id.replace(/-\d+(-options)?$/, "-" + index + "$1");
    });
    row.querySelectorAll("label[for]").forEach(function (label) {
      label.htmlFor = label.htmlFor.replace(/-\d+$/, "-" + index);
      if (!label.classList.contains("check")) {
        label.textContent = label.textContent.replace(/\d+$/, String(position + 1));
      }
    });
    row.querySelectorAll("input").forEach(function (input) {
      if (input.type === "checkbox") { input.checked = false; input.value = String(position); }
      else { input.value = ""; }
      if (input.hasAttribute("list") && input.dataset.complete) {
        input.setAttribute("list", input.id + "-options");
        autocomplete(form, input);
      }
    });
    row.querySelectorAll("datalist").forEach(function (list) { list.textContent = ""; });
    row.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    });
    rows.appendChild(row);
    removeButton(rows, row);
    return row;
  }

  /* Put one accepted suggestion into the form. */
  function accept(form, key, value) {
    if (key === "date") {
      var date = form.querySelector("#date");
      date.value = value;
      date.dispatchEvent(new Event("input"));
      return;
    }
    if (key === "topics") {
      form.querySelectorAll("input[name=topic]").forEach(function (box) {
        if (box.value === value) { box.checked = true; }
      });
      return;
    }
    var name = key === "references" ? "reference" : key;
    var rows = form.querySelector('.rows[data-rows="' + name + '"]');
    if (!rows) { return; }
    var inputs = Array.prototype.slice.call(rows.querySelectorAll("input[name=" + name + "]"));
    if (inputs.some(function (i) { return i.value.trim() === value; })) { return; }
    var empty = inputs.filter(function (i) { return !i.value.trim(); })[0];
    if (!empty) { empty = addRow(form, rows).querySelector("input[name=" + name + "]"); }
    empty.value = value;
  }

  function suggestions(form) {
    var button = form.querySelector("#suggest-button");
    var box = form.querySelector("#suggestions");
    if (!button || !box) { return; }
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var body = new FormData();
      body.set("text", form.querySelector("#text").value);
      var token = form.querySelector("input[name=csrf_token]").value;
      fetch(form.dataset.suggestUrl, { method: "POST", body: body, credentials: "same-origin",
                                       headers: { "X-CSRF-Token": token, Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) { showSuggestions(form, box, data.suggestions); })
        .catch(function () { form.requestSubmit(button); });
    });
  }

  function showSuggestions(form, box, items) {
    box.textContent = "";
    if (!form.querySelector("input[name=suggested]")) {
      var kept = document.createElement("input");
      kept.type = "hidden";
      kept.name = "suggested";
      kept.value = "1";
      form.appendChild(kept);  /* a refused save shows them again */
    }
    if (!items.length) { box.textContent = t("No suggestions from this text."); return; }
    var heading = document.createElement("h3");
    heading.textContent = t("Suggestions");
    var list = document.createElement("ul");
    items.forEach(function (s) {
      var li = document.createElement("li");
      var strong = document.createElement("strong");
      strong.textContent = s.key.replace("_", " ");
      var reason = document.createElement("span");
      reason.className = "hint";
      reason.textContent = " (" + s.reason + ")";
      if (!s.usable) {
        var badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = t("not in the archive");
        li.append(badge, " ", strong, ": " + s.value, reason);
        list.appendChild(li);
        return;
      }
      var use = document.createElement("button");
      use.type = "button";
      use.className = "small";
      use.textContent = t("Use");
      use.setAttribute("aria-label", t("Use %(key)s: %(value)s", {key: s.key.replace("_", " "), value: s.value}));
      use.addEventListener("click", function () {
        accept(form, s.key, s.value);
        li.classList.add("used");
        use.textContent = t("Added");
        use.disabled = true;
      });
      li.append(use, " ", strong, ": " + s.value, reason);
      list.appendChild(li);
    });
    box.append(heading, list);
  }

  /* Upload progress: poll until the job stops, then show its result. */
  function uploadProgress() {
    var status = document.querySelector(".upload-status[data-progress-url]");
    if (!status || ["checking", "storing"].indexOf(status.dataset.state) < 0) { return; }
    var bar = document.getElementById("upload-progress");
    var text = status.querySelector("[role=status]");
    var refresh = document.querySelector("meta[http-equiv=refresh]");
    if (refresh) { refresh.remove(); }
    function poll() {
      getJSON(status.dataset.progressUrl).then(function (data) {
        if (!data.running) { window.location.reload(); return; }
        if (bar) { bar.max = data.total || 1; bar.value = data.done; }
        if (text && data.total) {
          text.textContent = t(data.state === "checking" ? "Checking the file…" : "Storing the file…") +
            " (" + data.stage + ": " + t("%(done)s of %(total)s", {done: data.done, total: data.total}) + ")";
        }
        setTimeout(poll, 800);
      }).catch(function () { setTimeout(poll, 3000); });
    }
    setTimeout(poll, 500);
  }

  function similarStatements() {
    var section = document.querySelector("section.similar[data-similar-url]");
    if (!section) { return; }
    fetch(section.dataset.similarUrl, { headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        var list = new DOMParser().parseFromString(html, "text/html").body;
        var link = section.querySelector("p");
        if (link) { link.remove(); }
        Array.prototype.slice.call(list.childNodes).forEach(function (node) {
          section.appendChild(document.importNode(node, true));
        });
      })
      .catch(function () { /* the link to the page stays */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    similarStatements();
    var form = document.querySelector("form.statement-form");
    if (form) {
      datePreview(form);
      form.querySelectorAll("input[data-complete]").forEach(function (input) { autocomplete(form, input); });
      addRowButtons(form);
      suggestions(form);
    }
    uploadProgress();
  });
})();
