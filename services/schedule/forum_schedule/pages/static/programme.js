/* Seats left per session, from the registration service's public API on the same origin.
   Without JavaScript (or if the call fails) the page shows each hall's capacity instead. */
(function () {
  "use strict";
  // On a phone the filters start folded unless one is in use (open without JavaScript).
  var box = document.querySelector(".filter-box");
  if (box && window.matchMedia && window.matchMedia("(max-width: 52rem)").matches &&
      !/[?&](hall|type|track)=[^&]/.test(window.location.search)) {
    box.open = false;
  }
  var spots = document.querySelectorAll("[data-seats]");
  var link = document.querySelector(".forum-name a");
  if (!spots.length || !window.fetch || !link) return;
  var code = link.getAttribute("href").split("/")[2];
  fetch("/v1/forums/" + encodeURIComponent(code) + "/seats", { headers: { "Accept": "application/json" } })
    .then(function (response) { return response.ok ? response.json() : { sessions: [] }; })
    .then(function (answer) {
      var left = {};
      (answer.sessions || []).forEach(function (s) { left[s.session_id] = s.seats_left; });
      spots.forEach(function (spot) {
        var n = left[spot.dataset.seats];
        if (n === undefined || n === null) return;
        spot.textContent = n > 0 ? spot.dataset.left.replace("{n}", n) : spot.dataset.full;
        spot.classList.add(n > 0 ? "seats-free" : "seats-full");
      });
    })
    .catch(function () { /* keep the capacities */ });
})();
