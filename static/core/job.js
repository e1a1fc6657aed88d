// The job page: polls /jobs/<id>/status until the job has finished, showing progress and the download link.
(function () {
  var box = document.getElementById("job");
  if (!box) { return; }
  function show(job) {
    box.querySelectorAll("[data-job-field]").forEach(function (el) {
      var value = job[el.getAttribute("data-job-field")];
      el.textContent = value === null || value === undefined ? "" : value;
    });
    box.querySelector("[data-job-progress]").value = job.percent;
    box.querySelector("[data-job-download]").hidden = !job.result_filename;
    return job.state === "done" || job.state === "failed";
  }
  function poll() {
    fetch(box.getAttribute("data-job-status"), {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (job) {
        if (!show(job)) { window.setTimeout(poll, 1000); return; }
        // a job whose work shows on a page (a computed run) goes back to that page once done
        var next = box.getAttribute("data-job-done-url");
        if (next && job.state === "done") { window.location.assign(next); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
