// 目录导入: while the server checks and writes the workbook (the national list takes up to a minute), the
// form says so and cannot be sent twice; the elapsed seconds show that it is still working.
(function () {
  "use strict";
  var form = document.getElementById("catalogue-import");
  if (!form) { return; }
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    var status = document.getElementById("import-status");
    var started = Date.now();
    if (button) { button.disabled = true; }
    if (!status) { return; }
    status.hidden = false;
    window.setInterval(function () {
      var seconds = Math.round((Date.now() - started) / 1000);
      status.textContent = status.dataset.text + " " + seconds + " s";
    }, 1000);
  });
}());
