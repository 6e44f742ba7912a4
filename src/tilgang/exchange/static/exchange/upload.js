/* Resumable upload for the new-package form of the file exchange.
 *
 * Progressive enhancement: without this script the chosen files go with the form in one request.
 * With it, each chosen file is uploaded at once, in chunks, with tus 1.0 to the portal's own
 * endpoints (session and CSRF token; the same protocol code as the API's). A chunk that fails is
 * sent again after a pause that grows (1, 2, 4 … 30 s); the server is asked for its offset first.
 * The upload's address is remembered in localStorage under a hash of the file's name, size and
 * date, so after a reload the same file, chosen again, continues where it stopped. When every file
 * is in, the form is sent with references to the finished uploads instead of the files.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-resumable-upload]");
  if (!form || !window.XMLHttpRequest || !window.Promise || !window.TextEncoder || !window.Blob) {
    return;
  }
  var input = form.querySelector("input[type=file][name=files]");
  var panel = document.getElementById("upload-progress");
  var list = document.getElementById("upload-list");
  var statusBox = document.getElementById("upload-status");
  var alertBox = document.getElementById("upload-error");
  var csrfInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  if (!input || !panel || !list || !statusBox || !alertBox || !csrfInput) {
    return;
  }

  var createUrl = form.getAttribute("data-upload-url");
  var chunkBytes = parseInt(form.getAttribute("data-chunk-bytes"), 10) || 8 * 1024 * 1024;
  var language = document.documentElement.lang || undefined;
  var subtle = window.crypto && window.crypto.subtle;
  var STORAGE_PREFIX = "tilgang.exchange.upload.";
  var KEEP_MS = 48 * 3600 * 1000; // remembered uploads are forgotten after the server's expiry
  var MAX_FAILURES = 8; // failures in a row without progress before the user is asked
  var STALL_MS = 60 * 1000; // a request without progress for this long is given up and retried

  var tasks = [];
  var counter = 0;
  var pumping = null;
  var submitting = false;

  function message(name, values) {
    var text = panel.getAttribute("data-msg-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(String(values[key]));
    });
    return text;
  }

  function announce(text) {
    statusBox.textContent = text;
  }

  function showError(text) {
    var box = document.createElement("div");
    box.className = "ds-alert";
    box.setAttribute("data-color", "danger");
    var paragraph = document.createElement("p");
    paragraph.className = "ds-paragraph";
    paragraph.textContent = text;
    box.appendChild(paragraph);
    alertBox.appendChild(box);
  }

  function clearErrors() {
    while (alertBox.firstChild) {
      alertBox.removeChild(alertBox.firstChild);
    }
  }

  function formatBytes(bytes) {
    var units = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte"];
    var index = 0;
    var value = bytes;
    while (value >= 1000 && index < units.length - 1) {
      value /= 1000;
      index += 1;
    }
    try {
      return new Intl.NumberFormat(language, {
        style: "unit",
        unit: units[index],
        unitDisplay: "short",
        maximumFractionDigits: index === 0 ? 0 : 1,
      }).format(value);
    } catch (error) {
      return Math.round(value * 10) / 10 + " " + ["B", "kB", "MB", "GB", "TB"][index];
    }
  }

  // --- remembering uploads across reloads --------------------------------------------------------

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage may be switched off; the upload then only resumes within the page
    }
  }

  function pruneStorage() {
    var store = storage();
    if (!store) {
      return;
    }
    var now = Date.now();
    for (var index = store.length - 1; index >= 0; index -= 1) {
      var key = store.key(index);
      if (key && key.indexOf(STORAGE_PREFIX) === 0) {
        try {
          var item = JSON.parse(store.getItem(key));
          if (!item || now - item.at > KEEP_MS) {
            store.removeItem(key);
          }
        } catch (error) {
          store.removeItem(key);
        }
      }
    }
  }

  function hex(buffer) {
    return Array.prototype.map
      .call(new Uint8Array(buffer), function (byte) {
        return ("0" + byte.toString(16)).slice(-2);
      })
      .join("");
  }

  function storageKey(task) {
    // Keyed by name, size and date, hashed so the browser keeps no file names.
    if (!subtle) {
      return Promise.resolve(null);
    }
    var identity = [task.file.name, task.file.size, task.file.lastModified].join("\n");
    return subtle.digest("SHA-256", new TextEncoder().encode(identity)).then(function (digest) {
      return STORAGE_PREFIX + hex(digest);
    });
  }

  function remember(task) {
    var store = storage();
    if (store && task.key && task.url) {
      try {
        store.setItem(task.key, JSON.stringify({ url: task.url, at: Date.now() }));
      } catch (error) {
        /* full or switched off: nothing to remember then */
      }
    }
  }

  function recall(task) {
    var store = storage();
    if (!store || !task.key) {
      return null;
    }
    try {
      var item = JSON.parse(store.getItem(task.key));
      return item && typeof item.url === "string" ? item.url : null;
    } catch (error) {
      return null;
    }
  }

  function forget(task) {
    var store = storage();
    if (store && task.key) {
      store.removeItem(task.key);
    }
  }

  // --- HTTP ---------------------------------------------------------------------------------------

  function failure(kind, text) {
    var error = new Error(text || kind);
    error.kind = kind; // "network" (retry), "conflict" (ask offset), "gone" (start afresh), "permanent"
    return error;
  }

  function send(task, method, url, headers, body, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      var timer = null;
      function arm() {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          xhr.abort();
        }, STALL_MS);
      }
      xhr.open(method, url);
      headers["Tus-Resumable"] = "1.0.0";
      headers["X-CSRFToken"] = csrfInput.value;
      Object.keys(headers).forEach(function (name) {
        xhr.setRequestHeader(name, headers[name]);
      });
      if (onProgress) {
        xhr.upload.onprogress = function (event) {
          arm();
          onProgress(event.loaded);
        };
        xhr.upload.onload = function () {
          // All sent: the server may now take its time (the last chunk is checked whole).
          window.clearTimeout(timer);
        };
      }
      xhr.onload = function () {
        window.clearTimeout(timer);
        task.xhr = null;
        var expected = new URL(url, window.location.href).pathname;
        if (xhr.responseURL && new URL(xhr.responseURL).pathname !== expected) {
          reject(failure("permanent", message("session"))); // sent to the sign-in page
          return;
        }
        resolve(xhr);
      };
      xhr.onerror = xhr.onabort = xhr.ontimeout = function () {
        window.clearTimeout(timer);
        task.xhr = null;
        reject(failure("network"));
      };
      task.xhr = xhr;
      arm();
      xhr.send(body === undefined ? null : body);
    });
  }

  function refusal(xhr) {
    // The server's own message (translated, plain text) for answers that retrying cannot change.
    if (xhr.status === 403) {
      return failure("permanent", message("session"));
    }
    if (xhr.status === 404 || xhr.status === 410) {
      return failure("gone");
    }
    if (xhr.status === 409) {
      return failure("conflict");
    }
    if (xhr.status === 0 || xhr.status === 423 || xhr.status === 460 || xhr.status >= 500) {
      return failure("network");
    }
    var error = failure("permanent", (xhr.responseText || "").trim() || String(xhr.status));
    error.refused = true; // the server has dropped the upload or will never take it
    return error;
  }

  function base64(text) {
    var bytes = new TextEncoder().encode(text);
    var binary = "";
    for (var index = 0; index < bytes.length; index += 1) {
      binary += String.fromCharCode(bytes[index]);
    }
    return window.btoa(binary);
  }

  function head(task, url) {
    return send(task, "HEAD", url, {}).then(function (xhr) {
      if (xhr.status !== 200) {
        throw refusal(xhr);
      }
      var offset = parseInt(xhr.getResponseHeader("Upload-Offset"), 10);
      var length = parseInt(xhr.getResponseHeader("Upload-Length"), 10);
      if (isNaN(offset) || length !== task.file.size) {
        throw failure("gone");
      }
      task.url = url;
      task.offset = offset;
      // All bytes in is not yet done: the server checks the file first (Upload-Complete).
      task.done = offset === length && xhr.getResponseHeader("Upload-Complete") === "?1";
      return offset;
    });
  }

  function create(task) {
    var headers = {
      "Upload-Length": String(task.file.size),
      "Upload-Metadata": "filename " + base64(task.file.name),
    };
    return send(task, "POST", createUrl, headers).then(function (xhr) {
      if (xhr.status !== 201) {
        throw refusal(xhr);
      }
      task.url = new URL(xhr.getResponseHeader("Location"), window.location.href).pathname;
      task.offset = 0;
      remember(task);
    });
  }

  function start(task) {
    return storageKey(task)
      .then(function (key) {
        task.key = key;
        var saved = recall(task);
        if (!saved) {
          return create(task);
        }
        return head(task, saved).then(
          function (offset) {
            remember(task);
            if (offset > 0 && !task.done) {
              announce(message("resumed", { name: task.file.name }));
            }
          },
          function (error) {
            if (error.kind !== "gone") {
              throw error;
            }
            forget(task);
            return create(task);
          }
        );
      });
  }

  function chunkBody(blob) {
    // With Web Crypto, each chunk carries its SHA-256 (tus checksum extension); a damaged chunk
    // is refused by the server (460) and sent again.
    if (!subtle || !blob.arrayBuffer) {
      return Promise.resolve({ body: blob, checksum: null });
    }
    return blob.arrayBuffer().then(function (buffer) {
      return subtle.digest("SHA-256", buffer).then(function (digest) {
        var binary = "";
        var bytes = new Uint8Array(digest);
        for (var index = 0; index < bytes.length; index += 1) {
          binary += String.fromCharCode(bytes[index]);
        }
        return { body: buffer, checksum: "sha256 " + window.btoa(binary) };
      });
    });
  }

  function patch(task) {
    var from = task.offset;
    var to = Math.min(from + chunkBytes, task.file.size);
    return chunkBody(task.file.slice(from, to)).then(function (chunk) {
      var headers = {
        "Content-Type": "application/offset+octet-stream",
        "Upload-Offset": String(from),
      };
      if (chunk.checksum) {
        headers["Upload-Checksum"] = chunk.checksum;
      }
      return send(task, "PATCH", task.url, headers, chunk.body, function (loaded) {
        showProgress(task, from + Math.min(loaded, to - from));
      }).then(function (xhr) {
        if (xhr.status !== 204) {
          throw refusal(xhr);
        }
        task.offset = parseInt(xhr.getResponseHeader("Upload-Offset"), 10);
        task.failures = 0;
        task.done = task.offset >= task.file.size;
      });
    });
  }

  function sleep(milliseconds) {
    return new Promise(function (resolve) {
      window.setTimeout(resolve, milliseconds);
    });
  }

  // --- one file -----------------------------------------------------------------------------------

  function setState(task, state, text) {
    task.state = state;
    task.item.setAttribute("data-state", state);
    task.stateText.textContent = text;
  }

  function showProgress(task, bytes) {
    task.bar.value = task.file.size ? bytes : 1;
    if (task.state === "uploading") {
      task.stateText.textContent = message("progress", {
        done: formatBytes(bytes),
        total: formatBytes(task.file.size),
      });
    }
  }

  function step(task) {
    if (!task.url) {
      return start(task);
    }
    if (task.needsHead) {
      return head(task, task.url).then(function () {
        task.needsHead = false;
      });
    }
    return patch(task);
  }

  function run(task) {
    setState(task, "uploading", "");
    showProgress(task, task.offset);
    function loop() {
      if (task.cancelled) {
        return Promise.resolve();
      }
      if (task.done) {
        setState(task, "done", message("uploaded"));
        task.bar.value = task.bar.max;
        announce(message("done", { name: task.file.name }));
        return Promise.resolve();
      }
      return step(task).then(
        function () {
          showProgress(task, task.offset);
          return loop();
        },
        function (error) {
          if (task.cancelled) {
            return undefined;
          }
          if (error.kind === "gone") {
            forget(task);
            task.url = null;
            task.offset = 0;
            task.needsHead = false;
            task.failures += 1;
          } else if (error.kind === "permanent") {
            throw error;
          } else {
            task.failures += 1;
            task.needsHead = Boolean(task.url);
          }
          if (task.failures > MAX_FAILURES) {
            throw failure("permanent", message("network"));
          }
          if (error.kind === "conflict" || error.kind === "gone") {
            return loop(); // ask the server where it is, or start afresh: at once
          }
          var seconds = Math.min(30, Math.pow(2, task.failures - 1));
          var text = message("retry");
          setState(task, "retrying", text);
          if (task.failures === 1) {
            announce(text);
          }
          return sleep(seconds * 1000).then(function () {
            if (!task.cancelled) {
              setState(task, "uploading", "");
              showProgress(task, task.offset);
            }
            return loop();
          });
        }
      );
    }
    return loop().catch(function (error) {
      if (task.cancelled) {
        return;
      }
      var text = error.kind === "permanent" ? error.message : message("network");
      if (error.refused) {
        task.refused = true; // the server will not take this file: only choosing again helps
        forget(task);
      }
      setState(task, "failed", text);
      showError(message("failed", { name: task.file.name, error: text }));
    });
  }

  function pump() {
    // One file at a time, in the order chosen; files chosen meanwhile join the queue.
    if (!pumping) {
      pumping = Promise.resolve().then(function next() {
        var task = tasks.filter(function (item) {
          return item.state === "waiting";
        })[0];
        if (!task) {
          pumping = null;
          return undefined;
        }
        return run(task).then(next);
      });
    }
    return pumping;
  }

  function makeTask(file) {
    counter += 1;
    var task = {
      file: file,
      identity: [file.name, file.size, file.lastModified].join("\n"),
      key: null,
      url: null,
      offset: 0,
      done: false,
      failures: 0,
      needsHead: false,
      cancelled: false,
      refused: false,
      xhr: null,
      state: "waiting",
    };
    var item = document.createElement("li");
    item.className = "upload-item";
    var label = document.createElement("label");
    label.className = "ds-label";
    label.setAttribute("data-weight", "regular");
    label.htmlFor = "upload-bar-" + counter;
    label.textContent = file.name;
    var bar = document.createElement("progress");
    bar.className = "upload-bar";
    bar.id = "upload-bar-" + counter;
    bar.max = file.size || 1;
    bar.value = 0;
    bar.setAttribute("aria-describedby", "upload-state-" + counter);
    var stateText = document.createElement("p");
    stateText.className = "ds-paragraph upload-state";
    stateText.setAttribute("data-size", "sm");
    stateText.id = "upload-state-" + counter;
    item.appendChild(label);
    item.appendChild(bar);
    item.appendChild(stateText);
    task.item = item;
    task.bar = bar;
    task.stateText = stateText;
    setState(task, "waiting", message("waiting"));
    return task;
  }

  function cancel(task) {
    task.cancelled = true;
    if (task.xhr) {
      task.xhr.abort();
    }
    if (task.url) {
      // Best effort: the server forgets the upload now instead of at its expiry.
      var xhr = new XMLHttpRequest();
      xhr.open("DELETE", task.url);
      xhr.setRequestHeader("Tus-Resumable", "1.0.0");
      xhr.setRequestHeader("X-CSRFToken", csrfInput.value);
      xhr.send();
    }
    forget(task);
    if (task.item.parentNode) {
      task.item.parentNode.removeChild(task.item);
    }
  }

  function choose() {
    var files = Array.prototype.slice.call(input.files || []);
    var kept = [];
    files.forEach(function (file) {
      var identity = [file.name, file.size, file.lastModified].join("\n");
      var same = tasks.filter(function (task) {
        return task.identity === identity;
      })[0];
      kept.push(same || makeTask(file));
    });
    tasks.forEach(function (task) {
      if (kept.indexOf(task) < 0) {
        cancel(task);
      }
    });
    tasks = kept;
    clearErrors();
    tasks.forEach(function (task) {
      list.appendChild(task.item); // in the order chosen
    });
    panel.hidden = tasks.length === 0;
    pump();
  }

  function uploadId(task) {
    var match = /([0-9a-f-]{36})\/?$/.exec(task.url || "");
    return match ? match[1] : "";
  }

  function submitWhenUploaded(event) {
    if (!tasks.length) {
      return; // nothing chosen here: the form goes as it is (files already uploaded, or none)
    }
    event.preventDefault();
    if (submitting) {
      return;
    }
    var refused = tasks.filter(function (task) {
      return task.refused;
    });
    if (refused.length) {
      clearErrors();
      refused.forEach(function (task) {
        showError(message("refused", { name: task.file.name }));
      });
      return;
    }
    submitting = true;
    clearErrors();
    tasks.forEach(function (task) {
      if (task.state === "failed") {
        task.failures = 0;
        setState(task, "waiting", message("waiting"));
      }
    });
    if (
      tasks.some(function (task) {
        return task.state !== "done";
      })
    ) {
      announce(message("waiting-send"));
    }
    pump().then(function () {
      submitting = false;
      if (
        tasks.some(function (task) {
          return task.state !== "done";
        })
      ) {
        return; // the errors are shown; Send tries again
      }
      announce(message("sending"));
      Array.prototype.slice.call(form.querySelectorAll("input[data-upload-reference]")).forEach(
        function (old) {
          old.parentNode.removeChild(old);
        }
      );
      tasks.forEach(function (task) {
        var reference = document.createElement("input");
        reference.type = "hidden";
        reference.name = "uploads";
        reference.value = uploadId(task);
        reference.setAttribute("data-upload-reference", "");
        form.appendChild(reference);
      });
      input.disabled = true; // the files are on the server already
      HTMLFormElement.prototype.submit.call(form);
    });
  }

  pruneStorage();
  input.addEventListener("change", choose);
  form.addEventListener("submit", submitWhenUploaded);
  window.addEventListener("pageshow", function () {
    input.disabled = false;
  });
  if (input.files && input.files.length) {
    choose(); // files kept by the browser across a reload
  }
})();
