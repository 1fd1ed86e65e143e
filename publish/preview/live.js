// publish preview: reloads this page when its edition is rebuilt, keeping the
// scroll position, and shows the build's problems over the page while the last
// good edition stays visible. Served by the preview only; never in a built file.
(function () {
  "use strict";
  var script = document.currentScript;
  var edition = script.getAttribute("data-edition");
  var loaded = Number(script.getAttribute("data-generation"));
  var key = "publish-preview-scroll:" + location.pathname;
  var overlay = null;

  function restoreScroll() {
    var saved = sessionStorage.getItem(key);
    if (saved === null) return;
    sessionStorage.removeItem(key);
    var position = JSON.parse(saved);
    var height = document.documentElement.scrollHeight - innerHeight;
    // The same offset if the page is as long as it was, else the same share of it.
    var y = position.height === height ? position.y : Math.round(position.share * height);
    scrollTo(position.x, y);
  }

  function reload() {
    var height = document.documentElement.scrollHeight - innerHeight;
    sessionStorage.setItem(
      key,
      JSON.stringify({ x: scrollX, y: scrollY, height: height, share: height > 0 ? scrollY / height : 0 })
    );
    location.reload();
  }

  function element(name, text) {
    var made = document.createElement(name);
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function showProblems(lines) {
    if (!lines.length) {
      if (overlay) overlay.remove();
      overlay = null;
      return;
    }
    if (!overlay) {
      overlay = element("section");
      overlay.id = "publish-preview-problems";
      overlay.setAttribute("role", "alert");
      overlay.setAttribute("aria-label", "Build problems");
      overlay.style.cssText =
        "position:fixed;z-index:2147483647;left:0;right:0;top:0;max-height:60vh;overflow:auto;" +
        "margin:0;padding:1rem 1.25rem;background:#3b0a0a;color:#fff5f5;border-bottom:3px solid #e05252;" +
        "font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 4px 16px rgba(0,0,0,.4)";
      document.body.appendChild(overlay);
    }
    var shown = lines.join("\n");
    if (overlay.getAttribute("data-lines") === shown) return; // hidden by the reader: until they change
    overlay.setAttribute("data-lines", shown);
    overlay.hidden = false;
    overlay.textContent = "";
    var hide = element("button", "Hide");
    hide.type = "button";
    hide.style.cssText = "float:right;margin-left:1rem;font:inherit;cursor:pointer";
    hide.addEventListener("click", function () {
      overlay.hidden = true;
    });
    overlay.appendChild(hide);
    var title = element("p", "The manuscript did not build. The editions below are the last good ones.");
    title.style.cssText = "margin:0 0 .5rem;font-weight:bold";
    var list = element("pre");
    list.style.cssText = "margin:0;white-space:pre-wrap;font:inherit";
    list.textContent = shown;
    overlay.appendChild(title);
    overlay.appendChild(list);
  }

  function update(state) {
    showProblems(state.problems);
    // An edition's page follows its edition; the index and the kit's pages follow every build.
    var now = edition in state.editions ? state.editions[edition] : state.generation;
    if (now !== undefined && now !== loaded) reload();
  }

  function listen() {
    var events = new EventSource("/_preview/events");
    events.addEventListener("state", function (event) {
      update(JSON.parse(event.data));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      restoreScroll();
      listen();
    });
  } else {
    restoreScroll();
    listen();
  }
})();
