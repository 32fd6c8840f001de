// Ledger upload page: upload with a progress bar (XHR), then follow the server's progress of checking
// or importing until the job page can show the result. Without JavaScript the forms post normally.
(function () {
  "use strict";

  function byId(id) { return document.getElementById(id); }

  function show(el) { if (el) { el.classList.remove("d-none"); } }

  function hide(el) { if (el) { el.classList.add("d-none"); } }

  // A refusal takes the place of the progress: the bars ("上传完成，正在处理……") go, the reason shows.
  function fail(message) {
    hide(byId("ledger-upload-progress"));
    var box = byId("ledger-upload-error");
    if (box) { box.textContent = message; show(box); } else { window.alert(message); }
  }

  // Poll the job's progress; go to the job page when it is no longer running.
  function follow(progressUrl, pageUrl) {
    var label = byId("ledger-process-label");
    var bar = byId("ledger-process-bar");
    show(bar);
    var tick = function () {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", progressUrl);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.onload = function () {
        if (xhr.status !== 200) { fail("无法读取处理进度（" + xhr.status + "），请刷新页面。"); return; }
        var p = JSON.parse(xhr.responseText);
        if (label) {
          label.textContent = (p.stage || "处理中") + (p.total ? "：" + p.done + " / " + p.total : "");
        }
        if (bar) { bar.value = p.percent; }
        if (p.running) { window.setTimeout(tick, 500); } else { window.location.assign(pageUrl); }
      };
      xhr.onerror = function () { window.setTimeout(tick, 2000); };
      xhr.send();
    };
    tick();
  }

  // Send a form by XHR, showing the upload's progress, then follow the job it started.
  function sendForm(form, uploadBar, uploadLabel) {
    form.addEventListener("submit", function (ev) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }
      ev.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      hide(byId("ledger-upload-error"));
      if (uploadBar) { uploadBar.value = 0; uploadLabel.textContent = "正在上传……"; }
      show(byId("ledger-upload-progress"));
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      if (uploadBar) {
        xhr.upload.onprogress = function (e) {
          if (e.lengthComputable) {
            uploadBar.value = Math.round(100 * e.loaded / e.total);
            uploadLabel.textContent = "正在上传：" + Math.round(e.loaded / 1024) + " / " + Math.round(e.total / 1024) + " KB";
          }
        };
        xhr.upload.onload = function () { uploadBar.value = 100; uploadLabel.textContent = "上传完成，正在处理……"; };
      }
      xhr.onload = function () {
        var data = {};
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = {}; }
        if (xhr.status === 200 && data.progress_url) {
          follow(data.progress_url, data.page_url);
        } else {
          if (button) { button.disabled = false; }
          fail(data.error || (xhr.status === 413 ? "文件过大，请拆分后重新上传。" : "提交失败（" + xhr.status + "），请刷新页面后重试。"));
        }
      };
      xhr.onerror = function () {
        if (button) { button.disabled = false; }
        fail("网络错误，文件未能上传，请重试。");
      };
      xhr.send(new FormData(form));
    });
  }

  var upload = byId("ledger-upload-form");
  if (upload) { sendForm(upload, byId("ledger-upload-bar"), byId("ledger-upload-label")); }
  var confirmForm = byId("ledger-confirm-form");
  if (confirmForm) { sendForm(confirmForm, null, null); }
  var running = byId("ledger-job-progress");
  if (running) { follow(running.getAttribute("data-progress-url"), running.getAttribute("data-page-url")); }
})();
