// Search-as-you-type over names and aliases on the index page. No network: the
// terms are in each list item's data-terms attribute, so this works from file://.
document.addEventListener("DOMContentLoaded", function () {
  var input = document.getElementById("q");
  var status = document.getElementById("q-status");
  if (!input) { return; }
  var items = Array.prototype.slice.call(document.querySelectorAll("li[data-terms]"));
  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  input.addEventListener("input", function () {
    var words = fold(input.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (item) {
      var terms = fold(item.getAttribute("data-terms"));
      var match = words.every(function (w) { return terms.indexOf(w) !== -1; });
      item.hidden = !match;
      if (match) { shown += 1; }
    });
    status.textContent = words.length ? shown + " of " + items.length + " match" : "";
  });
});
