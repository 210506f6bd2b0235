// 历史地块 (issue 17 §2): the parcels as they were on a chosen day, drawn over the map as an extra layer. They come
// from GET /api/parcels/on/{day}?bbox=… (the user's role and parks apply as to every API call: valid on the day means
// started on or before it, or unknown, and ended after it, or not ended), fetched again for the view after each move,
// and shown through the map's park and 供地状态 filters like today's parcels.
(function () {
  "use strict";
  var api = window.parkgovMapApi;
  var input = document.getElementById("map-as-of");
  if (!api || !input) { return; }
  var map = api.map, config = api.config;
  var box = input.closest(".map-as-of");
  var clear = document.getElementById("map-as-of-clear");
  var count = document.getElementById("map-as-of-count");
  var note = document.getElementById("map-as-of-note");
  var asked = 0;  // the last request: a late answer for an earlier day or view is dropped
  var EMPTY = {type: "FeatureCollection", features: []};

  function say(text) { note.textContent = text || ""; note.hidden = !text; }

  var loaded = EMPTY;  // the day's parcels in the view, before the map's park and 供地状态 filters

  function show(collection) {
    loaded = collection;
    var shown = {type: "FeatureCollection",
                 features: collection.features.filter(function (f) { return api.shown(f.properties); })};
    map.getSource("as-of").setData(shown);
    count.textContent = input.value ? String(shown.features.length) : "";
  }

  function load() {
    var request = ++asked;
    var day = input.value;
    clear.hidden = !day;
    map.getContainer().dataset.asOf = "";
    if (!day) { show(EMPTY); say(""); return; }
    if (map.getZoom() < config.parcel_min_zoom) { show(EMPTY); say(box.dataset.zoom); return; }
    var b = map.getBounds();
    var url = config.as_of_url.replace("__DAY__", encodeURIComponent(day)) + "?" + new URLSearchParams(
      {bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(",")});
    fetch(url, {credentials: "same-origin"}).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.error ? body.error.message : "HTTP " + response.status); }
        return body;
      });
    }).then(function (body) {
      if (request !== asked) { return; }
      show(body);
      say(body.truncated ? box.dataset.truncated.replace("{n}", body.features.length) : "");
      map.getContainer().dataset.asOf = day;  // for the browser tests: the layer holds this day's parcels
    }).catch(function (error) {
      if (request !== asked) { return; }
      show(EMPTY);
      say(error.message);
    });
  }

  function ready() {
    map.addSource("as-of", {type: "geojson", data: EMPTY});
    map.addLayer({id: "as-of-fill", type: "fill", source: "as-of",
                  paint: {"fill-color": "#7b2cbf", "fill-opacity": 0.18}});
    map.addLayer({id: "as-of-line", type: "line", source: "as-of",
                  paint: {"line-color": "#7b2cbf", "line-width": 2, "line-dasharray": [3, 1.5]}});
    map.addLayer({id: "as-of-label", type: "symbol", source: "as-of", minzoom: config.label_min_zoom,
                  layout: {"text-field": ["get", "code"], "text-font": ["Noto Sans CJK SC", "sans-serif"],
                           "text-size": 12, "text-offset": [0, 1.2]},
                  paint: {"text-color": "#5a189a", "text-halo-color": "#ffffff", "text-halo-width": 1.4}});
    // a click on a parcel of the day opens its card (an ended parcel's too), over the card of today's parcel there
    map.on("click", "as-of-fill", function (event) {
      if (api.tool || event.originalEvent.shiftKey) { return; }
      var properties = event.features[0].properties;
      api.openParcel(properties.parcel_id, {ended_on: properties.ended_on || ""});
    });
    map.on("mouseenter", "as-of-fill", function () { map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", "as-of-fill", function () { map.getCanvas().style.cursor = ""; });
    api.filterListeners.push(function () { show(loaded); });
    input.addEventListener("change", load);
    clear.addEventListener("click", function () { input.value = ""; load(); });
    map.on("moveend", function () { if (input.value) { load(); } });
  }
  if (map.loaded() || map.isStyleLoaded()) { ready(); } else { map.once("load", ready); }
})();
