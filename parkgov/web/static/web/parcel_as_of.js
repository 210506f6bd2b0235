/* The parcel page's date picker (issue 17 §2): the parcels of this parcel's lineage valid on the chosen day, from
   GET /api/parcels/on/{day}?lineage_of=CODE (scoped like every API call), listed with their codes and dates. */
(function () {
  var input = document.getElementById("as-of-date");
  var out = document.getElementById("as-of-result");
  if (!input || !out) { return; }
  input.addEventListener("change", function () {
    if (!input.value) { out.textContent = ""; return; }
    var url = input.dataset.url.replace("2000-01-01", input.value) + "?lineage_of=" + encodeURIComponent(input.dataset.code);
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (body) {
      var codes = (body.features || []).map(function (f) {
        var p = f.properties;
        return p.code + "（" + (p.started_on || "…") + " – " + (p.ended_on || "") + "）";
      });
      out.textContent = input.value + "：" + (codes.join("、") || "—");
      out.dataset.codes = (body.features || []).map(function (f) { return f.properties.code; }).join(",");
    });
  });
})();
