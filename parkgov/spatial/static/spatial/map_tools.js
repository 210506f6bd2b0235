// 一张图 tools (issue 17 §3): search that flies to a parcel, layer toggles, measuring on the ellipsoid (the server
// answers with pyproj's geodesics), choosing parcels and exporting the view (PNG) or the chosen parcels (xlsx/GPKG).
(function () {
  "use strict";
  var api = window.parkgovMapApi;
  if (!api) { return; }
  var map = api.map, config = api.config;
  var bar = document.querySelector(".map-tools");
  var result = bar.querySelector(".map-tools-result");
  var text = bar.dataset;
  var chosen = [];  // parcel ids chosen for export
  var points = [];  // measuring: [lng, lat] pairs
  var asked = 0;  // the last measure request: late answers are dropped

  function number(value, digits) {
    return value.toLocaleString(document.documentElement.lang || "zh-CN",
                                {minimumFractionDigits: digits, maximumFractionDigits: digits});
  }

  function json(url) {
    return fetch(url, {credentials: "same-origin"}).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.error || ("HTTP " + response.status)); }
        return body;
      });
    });
  }

  // --- search -------------------------------------------------------------------------------------------------
  var search = document.querySelector(".map-search");
  var hits = search.querySelector(".map-search-hits");
  var message = search.querySelector(".map-search-message");
  function say(textValue) { message.textContent = textValue; message.hidden = !textValue; }
  function flyTo(hit) {
    var bounds = [[hit.bbox[0], hit.bbox[1]], [hit.bbox[2], hit.bbox[3]]];
    map.once("moveend", function () { api.openParcel(hit.id); });
    map.fitBounds(bounds, {padding: api.padding, maxZoom: 18, duration: 800});
  }
  search.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = search.elements.q.value.trim();
    hits.textContent = "";
    hits.hidden = true;
    say("");
    json(config.search_url + "?" + new URLSearchParams({q: query})).then(function (body) {
      if (!body.hits.length) { say(search.dataset.empty); return; }
      body.hits.forEach(function (hit) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.dataset.kind = hit.kind;
        button.dataset.code = hit.code;
        var title = document.createElement("strong");
        title.textContent = hit.title;
        var detail = document.createElement("span");
        detail.textContent = hit.detail;
        button.append(title, detail);
        button.addEventListener("click", function () { flyTo(hit); });
        item.appendChild(button);
        hits.appendChild(item);
      });
      hits.hidden = false;
    }).catch(function (error) { say(error.message); });
  });

  // --- layer toggles ------------------------------------------------------------------------------------------
  var LAYERS = {zones: ["zone-fill", "zone-line"],
                parcels: ["parcel-fill", "parcel-line", "parcel-overdue", "parcel-selected", "selected-box",
                          "parcel-chosen", "parcel-label"],
                labels: ["parcel-label"]};
  function toggleLayer(value, on) {
    var ids = LAYERS[value] || [value.replace(/^ref:/, "ref-")];
    ids.forEach(function (id) {
      if (!map.getLayer(id)) { return; }
      if (id === "parcel-overdue" && on && !config.legends[currentMode()].overdue) { return; }
      if (id === "parcel-label" && on && !layerChecked("labels")) { return; }
      map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
    });
    if (value === "labels" && on && !layerChecked("parcels")) { map.setLayoutProperty("parcel-label", "visibility", "none"); }
  }
  function layerChecked(value) {
    var box = document.querySelector("input[name=layer][value='" + value + "']");
    return !box || box.checked;
  }
  function currentMode() {
    var radio = document.querySelector("input[name=colour]:checked");
    return radio ? radio.value : "supply";
  }

  // --- measuring and choosing ---------------------------------------------------------------------------------
  function setTool(tool) {
    api.tool = api.tool === tool ? null : tool;
    bar.querySelectorAll("[data-tool]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.tool === api.tool));
    });
    if (api.tool === "line" || api.tool === "area") {
      points = [];
      drawMeasure();
      result.textContent = text.measureHint;
      map.doubleClickZoom.disable();
    } else {
      map.doubleClickZoom.enable();
      if (api.tool === "select") { result.textContent = text.selectHint; } else { showChosen(); }
    }
    map.getCanvas().style.cursor = api.tool ? "crosshair" : "";
  }

  function drawMeasure() {
    var features = points.map(function (p) { return {type: "Feature", properties: {}, geometry: {type: "Point", coordinates: p}}; });
    if (points.length > 1) {
      var ring = api.tool === "area" && points.length > 2 ? points.concat([points[0]]) : points;
      features.push({type: "Feature", properties: {}, geometry: {type: "LineString", coordinates: ring}});
    }
    if (api.tool === "area" && points.length > 2) {
      features.push({type: "Feature", properties: {fill: 1},
                     geometry: {type: "Polygon", coordinates: [points.concat([points[0]])]}});
    }
    map.getSource("measure").setData({type: "FeatureCollection", features: features});
  }

  function measure() {
    var kind = api.tool;
    if (points.length < (kind === "area" ? 3 : 2)) { result.textContent = text.measureHint; return; }
    var request = ++asked;
    var query = new URLSearchParams({kind: kind, points: points.map(function (p) { return p[0] + "," + p[1]; }).join(";")});
    json(config.measure_url + "?" + query).then(function (answer) {
      if (request !== asked) { return; }
      result.dataset.metres = answer.metres;
      if (kind === "line") {
        result.textContent = text.length + " " + (answer.metres >= 1000
          ? number(answer.km, 3) + " " + text.km : number(answer.metres, 1) + " " + text.metres);
      } else {
        result.dataset.m2 = answer.m2;
        result.textContent = text.area + " " + number(answer.m2, 1) + " m² / " + number(answer.mu, 2) + " " + text.mu
          + " / " + number(answer.hectares, 4) + " " + text.hectares + " · " + text.perimeter + " "
          + number(answer.metres, 1) + " " + text.metres;
      }
    }).catch(function (error) { result.textContent = error.message; });
  }

  function showChosen() {
    result.textContent = chosen.length ? text.selected.replace("{n}", chosen.length) : "";
    map.setFilter("parcel-chosen", ["in", ["id"], ["literal", chosen]]);
  }

  function choose(ids) {
    ids.forEach(function (id) {
      var at = chosen.indexOf(id);
      if (at >= 0) { chosen.splice(at, 1); } else if (chosen.length < config.selection_max) { chosen.push(id); }
    });
    showChosen();
  }

  function chooseAt(event) {
    var features = map.queryRenderedFeatures(event.point, {layers: ["parcel-fill"]});
    if (!features.length) { return; }
    var id = features[0].id;
    if (id !== undefined && id >= 0) { choose([id]); return; }
    // a parcel drawn as a box among many at low zoom: the server says which it is
    api.parcelAt(event.lngLat).then(function (found) { if (found) { choose([found.id]); } });
  }

  map.on("click", function (event) {
    if (api.tool === "line" || api.tool === "area") {
      points.push([event.lngLat.lng, event.lngLat.lat]);
      drawMeasure();
      measure();
    } else if (api.tool === "select" || event.originalEvent.shiftKey) {
      chooseAt(event);
    }
  });
  map.on("dblclick", function (event) {
    if (api.tool === "line" || api.tool === "area") { event.preventDefault(); setTool(api.tool); }
  });

  // Shift-drag draws a box: the parcels drawn in it (with an id) are chosen; MapLibre's own shift-drag zoom is off
  map.boxZoom.disable();
  var canvas = map.getCanvasContainer();
  var start = null, box = null;
  function mousePoint(event) {
    var rect = canvas.getBoundingClientRect();
    return new maplibregl.Point(event.clientX - rect.left - canvas.clientLeft, event.clientY - rect.top - canvas.clientTop);
  }
  canvas.addEventListener("mousedown", function (event) {
    if (!(event.shiftKey && event.button === 0)) { return; }
    map.dragPan.disable();
    start = mousePoint(event);
    document.addEventListener("mousemove", onMove);
    document.addEventListener("mouseup", onUp, {once: true});
  }, true);
  function onMove(event) {
    var current = mousePoint(event);
    if (!box) { box = document.createElement("div"); box.className = "map-select-box"; canvas.appendChild(box); }
    box.style.left = Math.min(start.x, current.x) + "px";
    box.style.top = Math.min(start.y, current.y) + "px";
    box.style.width = Math.abs(current.x - start.x) + "px";
    box.style.height = Math.abs(current.y - start.y) + "px";
  }
  function onUp(event) {
    document.removeEventListener("mousemove", onMove);
    map.dragPan.enable();
    var end = mousePoint(event);
    if (box) {
      box.remove();
      box = null;
      var found = map.queryRenderedFeatures([start, end], {layers: ["parcel-fill"]});
      var ids = [];
      found.forEach(function (f) { if (f.id !== undefined && f.id >= 0 && ids.indexOf(f.id) < 0 && chosen.indexOf(f.id) < 0) { ids.push(f.id); } });
      choose(ids);
    }
    start = null;
  }

  // --- exports --------------------------------------------------------------------------------------------------
  function savePng() {
    // the drawing buffer is only readable while the frame is drawn: read it in the render event
    map.once("render", function () {
      map.getCanvas().toBlob(function (blob) {
        var link = document.createElement("a");
        var stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "");
        link.href = URL.createObjectURL(blob);
        link.download = "map-" + stamp + ".png";
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
      }, "image/png");
    });
    map.triggerRepaint();
  }

  function exportChosen(format) {
    if (!chosen.length) { result.textContent = text.noneSelected; return; }
    var form = document.getElementById("map-export-form");
    form.action = config.export_url.replace("__FMT__", format);
    form.elements.ids.value = chosen.join(",");
    form.submit();
  }

  bar.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    if (button.dataset.tool) { setTool(button.dataset.tool); return; }
    var action = button.dataset.action;
    if (action === "clear") {
      points = [];
      chosen = [];
      if (map.getSource("measure")) { drawMeasure(); }
      showChosen();
      result.textContent = "";
    } else if (action === "png") {
      savePng();
    } else if (action === "export") {
      exportChosen(button.dataset.format);
    }
  });

  function ready() {
    map.addSource("measure", {type: "geojson", data: {type: "FeatureCollection", features: []}});
    map.addLayer({id: "measure-fill", type: "fill", source: "measure", filter: ["==", ["get", "fill"], 1],
                  paint: {"fill-color": "#e8590c", "fill-opacity": 0.15}});
    map.addLayer({id: "measure-line", type: "line", source: "measure", filter: ["==", ["geometry-type"], "LineString"],
                  paint: {"line-color": "#e8590c", "line-width": 2.5, "line-dasharray": [2, 1]}});
    map.addLayer({id: "measure-point", type: "circle", source: "measure", filter: ["==", ["geometry-type"], "Point"],
                  paint: {"circle-radius": 4, "circle-color": "#ffffff", "circle-stroke-color": "#e8590c",
                          "circle-stroke-width": 2}});
    document.querySelectorAll("input[name=layer]").forEach(function (input) {
      input.addEventListener("change", function () { toggleLayer(input.value, input.checked); });
    });
  }
  if (map.loaded() || map.isStyleLoaded()) { ready(); } else { map.once("load", ready); }
})();
