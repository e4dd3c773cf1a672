/* Personal page: each action is confirmed in a dialog, then sent to the JSON API with the
   manage token as a Bearer header. Without JavaScript the server asks for the confirmation. */
(function () {
  "use strict";
  var dialog = document.getElementById("confirm-dialog");
  if (!dialog || typeof dialog.showModal !== "function" || !window.fetch) return;
  var text = document.getElementById("confirm-dialog-text");
  var pending = null;

  function send(form) {
    var token = form.elements.token.value;
    var lang = form.elements.lang.value;
    var options = {
      method: form.dataset.method,
      headers: { "Authorization": "Bearer " + token, "Accept-Language": lang }
    };
    if (form.dataset.method === "PUT") {
      var ids = Array.prototype.map.call(
        form.querySelectorAll('input[name="session_ids"]:checked'), function (el) { return el.value; });
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify({ session_ids: ids });
    }
    var error = form.querySelector(".form-error");
    fetch(form.dataset.api, options).then(function (response) {
      if (response.ok) { window.location.assign(form.dataset.done); return; }
      return response.json().catch(function () { return {}; }).then(function (answer) {
        var fields = (answer.fields || []).map(function (f) { return f.message; }).join("; ");
        error.textContent = (answer.message || response.statusText) + (fields ? ": " + fields : "");
        error.hidden = false;
        error.focus();
      });
    }).catch(function () {
      var confirmed = document.createElement("input");
      confirmed.type = "hidden"; confirmed.name = "confirmed"; confirmed.value = "yes";
      form.appendChild(confirmed);
      form.submit();  // the server does the same without JavaScript
    });
  }

  document.querySelectorAll("form.js-confirm").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      pending = form;
      text.textContent = form.dataset.confirm;
      dialog.returnValue = "";
      dialog.showModal();
    });
  });

  dialog.addEventListener("close", function () {
    var form = pending;
    pending = null;
    if (form && dialog.returnValue === "yes") send(form);
    else if (form) { var button = form.querySelector("button[type=submit]"); if (button) button.focus(); }
  });
})();
