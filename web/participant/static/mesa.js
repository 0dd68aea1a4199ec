/* Mesa participant pages, enhanced: vote through the JSON API without reloading the page, and
   count the characters of a new statement. Every page works without this file. */
(function () {
  "use strict";

  var form = document.getElementById("vote-form");
  if (form && window.fetch && window.JSON) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || !button.value) return; // an old browser: let the form post itself
      event.preventDefault();
      if (form.getAttribute("aria-busy") !== "true") vote(button.value);
    });
  }

  function vote(value) {
    // The participant cookie authenticates (in /embed too): the token is never in the page.
    var headers = { "Content-Type": "application/json", "X-CSRF-Token": form.elements.csrf_token.value };
    busy(true);
    fetch(form.dataset.api, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify({ tid: Number(form.elements.tid.value), vote: Number(value), client_vote_id: voteId() })
    })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (answer) { show(answer.next); })
      .catch(function () { postForm(value); });
  }

  function show(next) {
    if (!next.statement) {
      window.location.reload(); // the page says "you have voted on everything"
      return;
    }
    var text = document.getElementById("statement");
    text.textContent = next.statement.text; // never innerHTML: statements are plain text
    if (next.statement.language) text.setAttribute("lang", next.statement.language);
    else text.removeAttribute("lang");
    form.elements.tid.value = next.statement.tid;
    var voted = next.total - next.remaining;
    var bar = document.getElementById("progress");
    bar.max = next.total;
    bar.value = voted;
    document.getElementById("n-voted").textContent = voted;
    document.getElementById("n-remaining").textContent = next.remaining;
    busy(false);
    text.focus();
  }

  function postForm(value) {
    // The API refused or the network failed: post the form so the server explains.
    var chosen = document.createElement("input");
    chosen.type = "hidden";
    chosen.name = "vote";
    chosen.value = value;
    form.appendChild(chosen);
    form.submit();
  }

  function busy(on) {
    form.setAttribute("aria-busy", on ? "true" : "false");
    var buttons = form.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = on;
  }

  function voteId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  var input = document.getElementById("text");
  var counter = document.getElementById("text-count");
  if (input && counter && counter.dataset.template) {
    var count = function () {
      counter.textContent = counter.dataset.template.replace("{count}", input.value.length);
    };
    input.addEventListener("input", count);
    count();
  }
})();
