/* The small map on a dossier page: its parcels over the optional base map; a click opens the parcel.
   A static file, not an inline script, so that the Content-Security-Policy allows only our own scripts. */
(function () {
  // the URL converter's escape (parkgov/web/converters.py): "/" and "~" as ~2F/~7E, a segment of dots as ~2E
  function storedSegment(code) {
    const text = String(code).replace(/~/g, "~7E").replace(/\//g, "~2F");
    return /^\.+$/.test(text) ? text.replace(/\./g, "~2E") : text;
  }
  var box = document.getElementById("dossier-map");
  var data = JSON.parse(document.getElementById("dossier-map-data").textContent);
  var style = {version: 8, sources: {}, layers: [{id: "background", type: "background", paint: {"background-color": "#eef2f7"}}]};
  if (data.tiles) {
    style.sources.base = {type: "raster", tiles: [data.tiles], tileSize: 256};
    style.layers.push({id: "base", type: "raster", source: "base"});
  }
  var map = new maplibregl.Map({container: box, style: style, bounds: data.bounds, attributionControl: false,
                                fitBoundsOptions: {padding: 40, maxZoom: 18}});
  map.addControl(new maplibregl.NavigationControl({showCompass: false}));
  map.on("load", function () {
    map.addSource("parcels", {type: "geojson", data: data.geojson});
    map.addLayer({id: "parcels-fill", type: "fill", source: "parcels", paint: {"fill-color": "#1d4e89", "fill-opacity": 0.25}});
    map.addLayer({id: "parcels-line", type: "line", source: "parcels", paint: {"line-color": "#1d4e89", "line-width": 2}});
    box.dataset.ready = "1";
  });
  map.on("click", "parcels-fill", function (event) {
    var code = event.features[0].properties.code;
    if (code) { window.location.href = box.dataset.parcelUrl.replace("__code__", encodeURIComponent(storedSegment(code))); }
  });
  map.on("mouseenter", "parcels-fill", function () { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", "parcels-fill", function () { map.getCanvas().style.cursor = ""; });
})();
