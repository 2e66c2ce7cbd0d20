// pytest-mturk's pages: the little they need beyond plain forms.
(function () {
  "use strict";
  // A task in a frame posted to externalSubmit: its answer page tells us; show the outcome.
  window.addEventListener("message", function (event) {
    var frame = document.querySelector("iframe.task");
    if (!frame || event.source !== frame.contentWindow) { return; }
    var data = event.data;
    if (!data || data.pytestMturk !== "externalSubmit") { return; }
    if (data.status === 200 && frame.dataset.done) {
      window.location.assign(frame.dataset.done);
    }
  });
}());
