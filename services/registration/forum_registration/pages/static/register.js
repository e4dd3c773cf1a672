/* Registration form: posts JSON to the API with one Idempotency-Key per rendered form, so a
   double click or a retry after a network error registers once; shows the API's field errors
   next to the fields. Without JavaScript the form posts to the page and works the same. */
(function () {
  "use strict";
  var form = document.getElementById("registration");
  if (!form || !window.fetch) return;
  var summary = document.getElementById("summary");
  var submit = document.getElementById("submit");
  var busy = false;
  var lang = form.elements.lang.value;

  function fieldBox(name) {
    var parts = name.split(".");
    while (parts.length) {
      var box = form.querySelector('[data-field="' + parts.join(".") + '"]');
      if (box) return box;
      parts.pop();
    }
    return null;
  }

  function clearErrors() {
    form.querySelectorAll(".has-error").forEach(function (box) {
      box.classList.remove("has-error");
      var err = box.querySelector(".error");
      if (err) { err.hidden = true; err.textContent = ""; }
      box.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    });
    summary.hidden = true;
    summary.querySelector(".summary-list").textContent = "";
  }

  function showProblems(message, fields) {
    var list = summary.querySelector(".summary-list");
    summary.querySelector(".summary-message").textContent = message || "";
    (fields || []).forEach(function (f) {
      var box = fieldBox(f.field);
      var target = null;
      if (box) {
        box.classList.add("has-error");
        var err = box.querySelector(".error");
        if (err) { err.textContent = f.message; err.hidden = false; }
        target = box.querySelector("input, select") || box;
        if (target.tagName === "INPUT" && target.type !== "radio") target.setAttribute("aria-invalid", "true");
      }
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.textContent = (box && box.dataset.label ? box.dataset.label + ": " : "") + f.message;
      link.href = "#" + ((target && target.id) || (box && box.id) || "registration");
      item.appendChild(link);
      list.appendChild(item);
    });
    summary.hidden = false;
    summary.focus();
  }

  function body() {
    var data = new FormData(form);
    var optional = function (name) { var v = (data.get(name) || "").trim(); return v || null; };
    return {
      full_name: (data.get("full_name") || "").trim(),
      email: (data.get("email") || "").trim(),
      phone: optional("phone"),
      organization: optional("organization"),
      position: optional("position"),
      region: (data.get("region") || "").trim(),
      category: data.get("category"),
      locale: data.get("locale") || lang,
      session_ids: data.getAll("session_ids"),
      consents: {
        personal_data: data.get("consents.personal_data") === "yes",
        news: data.get("consents.news") === "yes",
        photo: data.get("consents.photo") === "yes"
      }
    };
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) return;  // a second click while the first request runs sends nothing
    busy = true;
    var label = submit.textContent;
    submit.textContent = form.dataset.sending;
    submit.setAttribute("aria-disabled", "true");
    clearErrors();
    fetch(form.dataset.api, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Accept-Language": lang,
        "Idempotency-Key": form.elements.key.value
      },
      body: JSON.stringify(body())
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.status === 201 || response.status === 200) {
          window.location.assign(form.dataset.done + encodeURIComponent(answer.id) +
            "?token=" + encodeURIComponent(answer.manage_token) + "&lang=" + lang);
          return;
        }
        showProblems(answer.message || response.statusText, answer.fields);
        busy = false;
      });
    }).catch(function () {
      showProblems(form.dataset.networkError, []);
      busy = false;
    }).then(function () {
      if (!busy) { submit.textContent = label; submit.removeAttribute("aria-disabled"); }
    });
  });

  var linkForm = document.getElementById("manage-link");
  if (linkForm) {
    linkForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var email = linkForm.elements.email.value.trim();
      if (!email) { linkForm.elements.email.focus(); return; }
      fetch(linkForm.dataset.api, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept-Language": lang },
        body: JSON.stringify({ email: email })
      }).then(function () {
        document.getElementById("link-status").hidden = false;
      }).catch(function () { linkForm.submit(); });
    });
  }
})();
