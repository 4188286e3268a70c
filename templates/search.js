// Search on the index page: names, aliases, summaries, claims, narrative, relationships,
// events and assessments, offline. The documents come from assets/search-index.js
// (window.DOSSIER_SEARCH, written at build time by builder/render/search.py) and are
// searched with MiniSearch (assets/vendor/minisearch.js); both are loaded by <script>
// tags, so this works from file:// where fetch() does not.
//
// Matching: every word may be a prefix or a near miss (2 edits from 5 letters up), so
// "Hamid" finds "Hameed" and "Tehrik" finds "Tehreek" with no list of spellings.
// Ranking: MiniSearch's BM25 score (names count most), times how close each typed word
// came: an exact word counts fully, a prefix half, a near miss less the further it is,
// vowels counting half (they are what transliterations disagree on). So "ISI" ranks
// the ISI above ISIS-K, and "Hamid" ranks Hameed above Jamia.
//
// Keyboard (ARIA combobox with a listbox): ArrowDown/ArrowUp move through the results,
// Enter opens the highlighted result or the first, Escape clears. Without JavaScript
// the entity list below the box is the index, and the box does nothing.
(function () {
  "use strict";

  var SHOWN = 12; // results listed at most
  var WIDTH = 200; // characters of a snippet at most
  var STATUSES = { reported: true, alleged: true, disputed: true, denied: true };
  var VOWELS = "aeiouy";

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function fuzziness(term) {
    return term.length >= 5 ? 2 : term.length === 4 ? 1 : false;
  }

  // Edit distance where adding, dropping or swapping vowels costs half.
  function distance(a, b) {
    var previous = [0];
    var i, j;
    for (j = 1; j <= b.length; j += 1) {
      previous[j] = previous[j - 1] + cost(b[j - 1]);
    }
    for (i = 1; i <= a.length; i += 1) {
      var row = [previous[0] + cost(a[i - 1])];
      for (j = 1; j <= b.length; j += 1) {
        var swap = a[i - 1] === b[j - 1] ? 0 : Math.max(cost(a[i - 1]), cost(b[j - 1]));
        row[j] = Math.min(
          previous[j] + cost(a[i - 1]),
          row[j - 1] + cost(b[j - 1]),
          previous[j - 1] + swap
        );
      }
      previous = row;
    }
    return previous[b.length];
  }

  function cost(letter) {
    return VOWELS.indexOf(letter) === -1 ? 1 : 0.5;
  }

  // How well the indexed word `term` matches the typed word `word`: 1 exact, 0 not at all.
  function closeness(word, term) {
    if (term === word) { return 1; }
    if (term.indexOf(word) === 0) { return 0.5; }
    var most = fuzziness(word);
    if (!most) { return 0; }
    var d = distance(word, term);
    return d <= most ? Math.pow(0.25, d) : 0;
  }

  function createEngine(data) {
    var engine = new window.MiniSearch({
      fields: ["name", "aliases", "text"],
      storeFields: ["entity", "kind", "label", "name", "aliases", "text", "status", "url"],
      processTerm: fold,
      searchOptions: {
        boost: { name: 4, aliases: 3, text: 1 },
        prefix: true,
        fuzzy: fuzziness,
        weights: { fuzzy: 0.3, prefix: 0.3 }
      }
    });
    engine.addAll(data.documents);
    var tokenize = window.MiniSearch.getDefault("tokenize");
    return function search(query) {
      var words = tokenize(query).map(fold).filter(Boolean);
      // Every word must match; failing that (a word too far off), any word may.
      var found = engine.search(query, { combineWith: "AND" });
      if (!found.length) { found = engine.search(query); }
      found.forEach(function (result) {
        var matched = Object.keys(result.match);
        var sum = 0;
        words.forEach(function (word) {
          var best = 0;
          matched.forEach(function (term) { best = Math.max(best, closeness(word, term)); });
          sum += best;
        });
        result.rank = result.score * (words.length ? sum / words.length : 1);
      });
      // Stable: MiniSearch's order (score, then document order) on ties.
      return found
        .map(function (result, i) { return { result: result, i: i }; })
        .sort(function (x, y) { return y.result.rank - x.result.rank || x.i - y.i; })
        .map(function (pair) { return pair.result; });
    };
  }

  // The part of `text` (WIDTH characters at most) holding the most matched words, as
  // [piece, isMatch] pairs.
  function snippet(text, terms) {
    var words = /[\p{L}\p{M}\p{N}]+/gu;
    var hits = [];
    var found;
    while ((found = words.exec(text)) !== null) {
      if (terms[fold(found[0])]) { hits.push([found.index, found.index + found[0].length]); }
    }
    var start = 0;
    if (text.length > WIDTH) {
      var best = -1;
      hits.forEach(function (hit) {
        var from = Math.max(0, hit[0] - 40);
        var count = hits.filter(function (h) { return h[0] >= from && h[1] <= from + WIDTH; }).length;
        if (count > best) { best = count; start = from; }
      });
      if (start > 0) { start = text.indexOf(" ", start) + 1 || start; } // a whole first word
    }
    var end = Math.min(text.length, start + WIDTH);
    if (end < text.length && text.lastIndexOf(" ", end) > start) { end = text.lastIndexOf(" ", end); }
    var out = start > 0 ? [["… ", false]] : [];
    var at = start;
    hits.forEach(function (hit) {
      if (hit[0] >= at && hit[1] <= end) {
        out.push([text.slice(at, hit[0]), false], [text.slice(hit[0], hit[1]), true]);
        at = hit[1];
      }
    });
    out.push([text.slice(at, end), false]);
    if (end < text.length) { out.push([" …", false]); }
    return out;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function option(result, number, entities) {
    var item = element("li", "search-result");
    item.id = "q-result-" + number;
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", "false");
    item.setAttribute("data-href", result.url);
    var terms = {};
    Object.keys(result.match).forEach(function (term) { terms[term] = true; });
    var head = element("span", "search-head");
    head.appendChild(marked(element("bdi", "search-name"), entities[result.entity].name, terms));
    head.appendChild(document.createTextNode(" "));
    head.appendChild(element("span", "search-label", result.label));
    head.appendChild(document.createTextNode(" "));
    var status = STATUSES[result.status] ? "status " + result.status : "search-kind";
    head.appendChild(element("span", "search-status " + status, result.status));
    item.appendChild(head);
    var text = result.text;
    var inNames = Object.keys(result.match).some(function (term) {
      return result.match[term].indexOf("text") === -1;
    });
    if (result.kind === "entity" && inNames && result.aliases) {
      text = "Also known as " + result.aliases + ". " + text;
    }
    item.appendChild(marked(element("span", "search-snippet"), text, terms));
    return item;
  }

  // `node` holding the snippet of `text` around `terms`, matched words in <mark>.
  function marked(node, text, terms) {
    snippet(text, terms).forEach(function (piece) {
      node.appendChild(piece[1] ? element("mark", "", piece[0]) : document.createTextNode(piece[0]));
    });
    return node;
  }

  function setUp(input, list, status, data) {
    var search = null; // built on first use: nothing to pay for a reader who only browses
    var results = [];
    var active = -1;

    function open(index) {
      var target = list.children[index];
      if (target) { window.location.href = target.getAttribute("data-href"); }
    }

    function highlight(index) {
      var items = list.children;
      if (active >= 0 && items[active]) { items[active].setAttribute("aria-selected", "false"); }
      active = index;
      if (active >= 0 && items[active]) {
        items[active].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", items[active].id);
        items[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function show() {
      var query = input.value.trim();
      list.textContent = "";
      highlight(-1);
      if (!query) {
        results = [];
        list.hidden = true;
        input.setAttribute("aria-expanded", "false");
        status.textContent = "";
        return;
      }
      if (search === null) { search = createEngine(data); }
      results = search(query);
      results.slice(0, SHOWN).forEach(function (result, i) {
        list.appendChild(option(result, i, data.entities));
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      if (!results.length) {
        status.textContent = "No matches.";
      } else if (results.length > SHOWN) {
        status.textContent = results.length + " matches; the best " + SHOWN + " are listed.";
      } else {
        status.textContent = results.length + (results.length === 1 ? " match." : " matches.");
      }
    }

    input.addEventListener("input", show);
    input.addEventListener("keydown", function (event) {
      var count = list.children.length;
      if (event.key === "ArrowDown" && count) {
        event.preventDefault();
        highlight((active + 1) % count);
      } else if (event.key === "ArrowUp" && count) {
        event.preventDefault();
        highlight(active <= 0 ? count - 1 : active - 1);
      } else if (event.key === "Enter") {
        event.preventDefault();
        open(active >= 0 ? active : 0);
      } else if (event.key === "Escape") {
        event.preventDefault();
        input.value = "";
        show();
      }
    });
    list.addEventListener("click", function (event) {
      var item = event.target.closest("li[role=option]");
      if (item) { window.location.href = item.getAttribute("data-href"); }
    });
    // A search typed in another page's header arrives as index.html?q=...
    var given = new URLSearchParams(window.location.search).get("q");
    if (given) {
      input.value = given;
      show();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("q");
    var list = document.getElementById("q-results");
    var status = document.getElementById("q-status");
    if (!input || !list || !status || !window.MiniSearch || !window.DOSSIER_SEARCH) { return; }
    setUp(input, list, status, window.DOSSIER_SEARCH);
  });
})();
