/* The split / merge page's small map (issue 17 §2): the parcel(s), the preview parts and, in line mode, the cutting
   line the user draws (click to add a point, double-click to finish), written as GeoJSON into the form's hidden
   field. A static file (the Content-Security-Policy allows only our own scripts); the main map's JS is separate. */
(function () {
  var box = document.getElementById("edit-map");
  if (!box) { return; }
  var data = JSON.parse(document.getElementById("edit-map-data").textContent);
  var previewNode = document.getElementById("edit-preview-data");
  var preview = previewNode ? JSON.parse(previewNode.textContent) : {type: "FeatureCollection", features: []};
  var field = document.getElementById("edit-line");
  var points = [];
  if (field && field.value) {
    try { points = JSON.parse(field.value).coordinates || []; } catch (e) { points = []; }
  }
  var style = {version: 8, sources: {}, layers: [{id: "background", type: "background", paint: {"background-color": "#eef2f7"}}]};
  if (data.tiles) {
    style.sources.base = {type: "raster", tiles: [data.tiles], tileSize: 256};
    style.layers.push({id: "base", type: "raster", source: "base"});
  }
  var map = new maplibregl.Map({container: box, style: style, bounds: data.bounds, attributionControl: false,
                                doubleClickZoom: false, fitBoundsOptions: {padding: 40, maxZoom: 19}});
  function line() {
    return {type: "FeatureCollection", features: points.length > 1 ? [{type: "Feature", properties: {},
      geometry: {type: "LineString", coordinates: points}}] : []};
  }
  function update() {
    if (map.getSource("cut")) { map.getSource("cut").setData(line()); }
    if (field) { field.value = points.length > 1 ? JSON.stringify({type: "LineString", coordinates: points}) : ""; }
  }
  map.on("load", function () {
    map.addSource("parcels", {type: "geojson", data: data.geojson});
    map.addLayer({id: "parcels-fill", type: "fill", source: "parcels", paint: {"fill-color": ["case", ["get", "main"], "#1d4e89", "#9aa5b1"], "fill-opacity": 0.2}});
    map.addLayer({id: "parcels-line", type: "line", source: "parcels", paint: {"line-color": "#1d4e89", "line-width": 2}});
    map.addSource("parts", {type: "geojson", data: preview});
    map.addLayer({id: "parts-line", type: "line", source: "parts", paint: {"line-color": "#d6604d", "line-width": 2, "line-dasharray": [2, 1]}});
    map.addLayer({id: "parts-label", type: "symbol", source: "parts", layout: {"text-field": ["to-string", ["get", "number"]], "text-size": 14}});
    map.addSource("cut", {type: "geojson", data: line()});
    map.addLayer({id: "cut-line", type: "line", source: "cut", paint: {"line-color": "#b2182b", "line-width": 3}});
    box.dataset.ready = "1";
  });
  if (box.dataset.mode === "line") {
    map.on("click", function (event) {
      if (box.dataset.finished === "1") { return; }
      points.push([event.lngLat.lng, event.lngLat.lat]);
      update();
    });
    map.on("dblclick", function () { box.dataset.finished = "1"; });
    var clear = document.getElementById("edit-clear");
    if (clear) { clear.addEventListener("click", function () { points = []; box.dataset.finished = ""; update(); }); }
  }
})();
