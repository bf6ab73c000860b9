/* musterpoint studio: texts, numbers, durations and clock times (shared by the page's scripts).
 * Every scenario text goes into the page as text (textContent), never as markup. */
"use strict";

var StudioFormat = (function () {
  var TEXTS = JSON.parse(document.getElementById("studio-texts").textContent);
  var LANG_KEY = "muster-studio-lang";
  var lang = localStorage.getItem(LANG_KEY) ||
    JSON.parse(document.getElementById("studio-lang").textContent);

  function t(key) {
    var table = TEXTS[lang] || TEXTS.en;
    return key in table ? table[key] : key;
  }

  function setLang(value) {
    lang = value === "zh" ? "zh" : "en";
    localStorage.setItem(LANG_KEY, lang);
    document.documentElement.lang = lang === "zh" ? "zh-Hans" : "en";
    document.querySelectorAll("[data-t]").forEach(function (node) {
      node.textContent = t(node.getAttribute("data-t"));
    });
  }

  function locale() { return lang === "zh" ? "zh-CN" : "en-GB"; }

  /* A whole number with the language's digit grouping, and a unit when given. */
  function num(value, unit) {
    if (value === null || value === undefined || isNaN(value)) { return "—"; }
    var text = Math.round(value).toLocaleString(locale());
    return unit ? text + " " + t(unit) : text;
  }

  /* A duration in seconds as h:mm, or "not reached" for null. */
  function hm(seconds) {
    if (seconds === null || seconds === undefined) { return t("not_reached"); }
    var m = Math.round(seconds / 60);
    return Math.floor(m / 60) + ":" + String(m % 60).padStart(2, "0");
  }

  /* h:mm text to hours (null when it is not a time). */
  function parseHm(text) {
    var m = /^\s*(\d+)(?::(\d{1,2}))?\s*$/.exec(text || "");
    if (!m) { return null; }
    return Number(m[1]) + (m[2] ? Number(m[2]) / 60 : 0);
  }

  /* The clock time in the scenario's time zone, ``seconds`` after its start. */
  function clock(startIso, timeZone, seconds) {
    var start = new Date(startIso + "Z");
    var fmt = new Intl.DateTimeFormat(locale(), {
      timeZone: "UTC", hour: "2-digit", minute: "2-digit", day: "numeric", month: "short"});
    return fmt.format(new Date(start.getTime() + seconds * 1000)) + " (" + timeZone + ")";
  }

  /* A DOM element with attributes and children (strings become text nodes). */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; }
      else if (k === "t") { node.setAttribute("data-t", attrs[k]); node.textContent = t(attrs[k]); }
      else if (k === "cls") { node.className = attrs[k]; }
      else { node.setAttribute(k, attrs[k]); }
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) { continue; }
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return node;
  }

  return { t: t, setLang: setLang, lang: function () { return lang; }, num: num, hm: hm,
           parseHm: parseHm, clock: clock, el: el };
})();
