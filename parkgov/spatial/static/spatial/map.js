// 一张图: MapLibre over the parcel and zone vector tiles; colouring, filters and the parcel card.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var container = document.getElementById("map");
  var panel = document.querySelector(".map-panel");
  var card = document.getElementById("parcel-card");
  var zoneSelect = document.getElementById("map-zone");
  var origin = window.location.origin;
  var CHINA = [[73.5, 18.0], [135.1, 53.6]];
  var zonesByCode = {};
  config.zones.forEach(function (zone) { zonesByCode[zone.code] = zone; });
  // legend colours come as data attributes: the Content-Security-Policy refuses style="" in the page
  document.querySelectorAll(".swatch[data-colour]").forEach(function (swatch) {
    swatch.style.background = swatch.dataset.colour;
  });

  // 清单 mode: the tile property "lists" holds "|2025:rule|…" (spatial/governance_data.py); the year and list chosen
  // here make the text looked for, so the tiles need no parameter
  var listYear = document.getElementById("map-list-year");
  var listSelect = document.getElementById("map-list");
  function fillLists() {
    if (!listYear) { return; }
    var year = (config.legends.list.years || []).filter(function (y) { return String(y.year) === listYear.value; })[0];
    listSelect.textContent = "";
    var any = document.createElement("option");
    any.value = "";
    any.textContent = listSelect.dataset.any;
    listSelect.appendChild(any);
    (year ? year.lists : []).forEach(function (list) {
      var option = document.createElement("option");
      option.value = list.id;
      option.textContent = list.name;
      listSelect.appendChild(option);
    });
  }
  fillLists();
  function listNeedle() {
    if (!listYear) { return "|-:"; }  // no list runs: nothing matches
    return "|" + listYear.value + ":" + (listSelect.value ? listSelect.value + "|" : "");
  }
  function listNames(value) {
    var names = {};
    (config.legends.list ? config.legends.list.years : []).forEach(function (y) {
      y.lists.forEach(function (list) { names[y.year + ":" + list.id] = list.name; });
    });
    return String(value || "").split("|").filter(Boolean).map(function (tag) {
      var year = tag.split(":")[0];
      return card.dataset.yearFormat.replace("{year}", year).replace("{name}", names[tag] || tag.slice(year.length + 1));
    }).join("；") || "—";
  }

  function colourExpression(mode) {
    var legend = config.legends[mode];
    if (legend.kind === "membership") {
      return ["case", ["in", listNeedle(), ["coalesce", ["get", legend.property], ""]],
              legend.items[0].colour, legend.items[1].colour];
    }
    var expression = ["match", ["coalesce", ["get", legend.property], ""]];
    var fallback = "#d9e2ec";
    legend.items.forEach(function (item) {
      if (item.value === null) { fallback = item.colour; } else { expression.push(item.value, item.colour); }
    });
    // "match" needs at least one value and its colour: a legend of "none" only (a rule set without tiers)
    // colours every parcel alike
    if (expression.length === 2) { return fallback; }
    expression.push(fallback);
    return expression;
  }

  // Legend counts: the server's parcels per (park, supply status, colour values), summed for what is drawn
  function countTable(property) {
    var governance = config.counts.governance;
    if (governance && governance.columns.indexOf(property) >= 0) { return governance; }
    // the modes other apps register (issue 15: commitment, idle) are counted in tables of their own
    var own = (config.counts.tables || []).filter(function (t) { return t.columns.indexOf(property) >= 0; })[0];
    return own || config.counts;
  }

  function legendCounts(mode) {
    var legend = config.legends[mode];
    var table = countTable(legend.property);
    var columns = table.columns;
    var zoneAt = columns.indexOf("zone"), statusAt = columns.indexOf("supply_status");
    var valueAt = columns.indexOf(legend.property), overdueAt = legend.overdue ? columns.indexOf("overdue") : -1;
    var needle = legend.kind === "membership" ? listNeedle() : null;
    var zone = zonesByCode[zoneSelect.value];
    var members = zone ? zone.members : null;
    var statuses = checkedStatuses();
    var counts = {};
    table.rows.forEach(function (row) {
      if (members && members.indexOf(row[zoneAt]) < 0) { return; }
      if (statuses.indexOf(row[statusAt]) < 0) { return; }
      var key = String(row[valueAt]);  // "null" for parcels without a value
      if (needle !== null) { key = String(row[valueAt] || "").indexOf(needle) >= 0 ? "on" : "null"; }
      counts[key] = (counts[key] || 0) + row[row.length - 1];
      if (overdueAt >= 0 && row[overdueAt] === "1") { counts.overdue = (counts.overdue || 0) + row[row.length - 1]; }
    });
    return counts;
  }

  function drawLegends() {
    document.querySelectorAll(".map-legend").forEach(function (element) {
      var mode = element.dataset.mode;
      var counts = legendCounts(mode);
      var list = element.querySelector("ul");
      var total = 0;
      list.textContent = "";
      config.legends[mode].items.forEach(function (item) {
        var count = counts[String(item.value)] || 0;
        total += count;
        var entry = document.createElement("li");
        entry.dataset.value = item.value === null ? "" : item.value;
        var swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.background = item.colour;
        var label = document.createElement("span");
        label.className = "label";
        label.textContent = item.label;
        var number = document.createElement("span");
        number.className = "count";
        number.textContent = formatted(count, 0);
        entry.append(swatch, label, number);
        list.appendChild(entry);
      });
      element.querySelector(".total").textContent = formatted(total, 0);
      if (mode === "supply") { document.getElementById("map-parcel-count").textContent = formatted(total, 0); }
      var overdue = element.querySelector(".overdue-count");
      if (overdue) { overdue.textContent = formatted(counts.overdue || 0, 0); }
    });
  }

  function baseStyle() {
    var style = {
      version: 8,
      sources: {
        zones: {type: "vector", tiles: [origin + config.tiles.zones], minzoom: 0, maxzoom: config.data_max_zoom},
        parcels: {type: "vector", tiles: [origin + config.tiles.parcels], minzoom: config.parcel_min_zoom,
                  maxzoom: config.data_max_zoom},
        "selected-box": {type: "geojson", data: {type: "FeatureCollection", features: []}},
        // one label point per parcel (a parcel cut by tile edges is several tile features): filled by placeLabels
        "parcel-labels": {type: "geojson", data: {type: "FeatureCollection", features: []}}
      },
      layers: [{id: "background", type: "background", paint: {"background-color": "#eef1f4"}}]
    };
    if (config.base_tile_url) {
      style.sources.base = {type: "raster", tiles: [config.base_tile_url], tileSize: 256};
      style.layers.push({id: "base", type: "raster", source: "base"});
    }
    style.layers.push(
      {id: "zone-fill", type: "fill", source: "zones", "source-layer": "zones",
       paint: {"fill-color": "#ffffff", "fill-opacity": config.base_tile_url ? 0.2 : 0.7}});
    // the offline base (issue 17 §3): reference layers imported as GIS files, served by us as GeoJSON
    config.reference_layers.forEach(function (layer) {
      style.sources["ref-" + layer.code] = {type: "geojson", data: origin + layer.url};
      style.layers.push(referenceLayer(layer));
    });
    style.layers.push(
      // below z13 parcels are a few pixels wide: no antialiased outline pass for tens of thousands of them
      {id: "parcel-fill", type: "fill", source: "parcels", "source-layer": "parcels",
       paint: {"fill-color": colourExpression("supply"), "fill-opacity": 0.88,
               "fill-antialias": ["step", ["zoom"], false, 13, true]}},
      {id: "parcel-line", type: "line", source: "parcels", "source-layer": "parcels", minzoom: 14,
       paint: {"line-color": "#ffffff", "line-width": ["interpolate", ["linear"], ["zoom"], 14, 0.4, 18, 1.5]}},
      // 案件状态 mode: parcels with an overdue open case get a red outline (shown in that mode only)
      {id: "parcel-overdue", type: "line", source: "parcels", "source-layer": "parcels",
       filter: ["==", ["get", "overdue"], "1"], layout: {visibility: "none"},
       paint: {"line-color": "#d7263d", "line-width": ["interpolate", ["linear"], ["zoom"], 10, 1, 16, 2.5]}},
      {id: "parcel-selected", type: "line", source: "parcels", "source-layer": "parcels",
       filter: ["==", ["id"], -1], paint: {"line-color": "#1f2933", "line-width": 2.5}},
      // the parcels chosen for export (map_tools.js sets the filter)
      {id: "parcel-chosen", type: "line", source: "parcels", "source-layer": "parcels",
       filter: ["in", ["id"], ["literal", []]], paint: {"line-color": "#e8590c", "line-width": 3}},
      // parcel codes at high zoom; the style names no glyph server: MapLibre draws each glyph with the browser's
      // own fonts (TinySDF), so labels need no download
      {id: "parcel-label", type: "symbol", source: "parcel-labels", minzoom: config.label_min_zoom,
       layout: {"text-field": ["get", "code"], "text-font": ["Noto Sans CJK SC", "sans-serif"], "text-size": 12,
                "text-max-width": 8, "text-padding": 1},
       paint: {"text-color": "#1f2933", "text-halo-color": "#ffffff", "text-halo-width": 1.4}},
      // a parcel drawn as a box in a feature of many (zooms 10–12) has no id to filter by: its box is drawn here
      {id: "selected-box", type: "line", source: "selected-box", paint: {"line-color": "#1f2933", "line-width": 2.5}},
      {id: "zone-line", type: "line", source: "zones", "source-layer": "zones",
       paint: {"line-color": "#1d4e89", "line-opacity": 0.85,
               "line-width": ["match", ["get", "kind"], "development_zone", 2.2, 1.4],
               "line-dasharray": [3, 2]}}
    );
    return style;
  }

  function referenceLayer(layer) {
    var id = "ref-" + layer.code;
    if (layer.draw === "fill") {
      var colour = layer.colour;
      if (layer.kind === "planned_land_use") {  // 一级类 colours (spatial/data/map.yaml), the legend under the toggle
        colour = ["match", ["get", "group"]];
        (layer.legend || []).forEach(function (item) { colour.push(item.value, item.colour); });
        colour = colour.length > 2 ? colour.concat([layer.colour]) : layer.colour;
      }
      return {id: id, type: "fill", source: id, paint: {"fill-color": colour, "fill-opacity": layer.opacity}};
    }
    return {id: id, type: "line", source: id, layout: {"line-join": "round", "line-cap": "round"},
            paint: {"line-color": layer.colour,
                    "line-width": ["interpolate", ["linear"], ["zoom"], 10, layer.width / 2, 16, layer.width * 2]}};
  }

  drawLegends();
  // on a phone the panel sits under the map (map.css), so it does not narrow the view
  var beside = panel.getBoundingClientRect().top < container.getBoundingClientRect().bottom - 1;
  var padding = {top: 40, bottom: 40, left: beside ? panel.offsetWidth + 50 : 20, right: beside ? 40 : 20};
  var map = new maplibregl.Map({
    container: container, style: baseStyle(), bounds: config.extent || CHINA,
    fitBoundsOptions: {padding: padding, maxZoom: 17}, maxZoom: 20, attributionControl: {compact: true}
  });
  window.parkgovMap = map;  // for the browser tests and the console
  // what map_tools.js (search, measuring, selection, exports) uses of this page
  var api = window.parkgovMapApi = {
    tool: null, map: map, config: config, padding: padding,
    // `extra`: properties the caller knows and the card's server answer does not carry (a historic parcel's ended_on)
    openParcel: function (id, extra) { openCard({id: id, properties: {}}, undefined, extra); },
    // the park and 供地状态 filters: `shown(properties)` says whether a parcel with these properties passes them;
    // `filterListeners` are called when they change (the 历史地块 layer filters its own features by them)
    shown: function (properties) {
      var zone = zonesByCode[zoneSelect.value];
      return (!zone || zone.members.indexOf(properties.zone) >= 0) &&
        checkedStatuses().indexOf(properties.supply_status) >= 0;
    },
    filterListeners: [],
    parcelAt: function (lngLat) {
      return fetch(config.point_url + "?" + new URLSearchParams({lon: lngLat.lng, lat: lngLat.lat,
                                                                  z: Math.floor(map.getZoom())}),
                   {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; });
    }
  };
  map.addControl(new maplibregl.NavigationControl({showCompass: false}), "bottom-right");
  map.addControl(new maplibregl.ScaleControl({unit: "metric"}), "bottom-left");

  function checkedStatuses() {
    return Array.prototype.map.call(
      document.querySelectorAll("input[name=supply_status]:checked"), function (box) { return box.value; });
  }

  function currentFilter() {
    var filter = ["all"];
    var zone = zonesByCode[zoneSelect.value];
    if (zone) { filter.push(["in", ["get", "zone"], ["literal", zone.members]]); }
    filter.push(["in", ["get", "supply_status"], ["literal", checkedStatuses()]]);
    return filter;
  }

  function applyFilter() {
    var filter = currentFilter();
    api.filterListeners.forEach(function (listener) { listener(); });
    ["parcel-fill", "parcel-line"].forEach(function (id) { map.setFilter(id, filter); });
    placeLabels();
    map.setFilter("parcel-overdue", filter.concat([["==", ["get", "overdue"], "1"]]));
    drawLegends();
  }

  var currentMode = "supply";
  function setMode(mode) {
    currentMode = mode;
    map.setPaintProperty("parcel-fill", "fill-color", colourExpression(mode));
    var parcelsShown = map.getLayoutProperty("parcel-fill", "visibility") !== "none";  // the layer list's toggle
    map.setLayoutProperty("parcel-overdue", "visibility", config.legends[mode].overdue && parcelsShown ? "visible" : "none");
    document.querySelectorAll(".map-legend").forEach(function (legend) {
      legend.hidden = legend.dataset.mode !== mode;
    });
  }

  function labelOf(mode, value) {
    var items = (config.legends[mode] || {items: []}).items;
    for (var i = 0; i < items.length; i++) {
      if (items[i].value === (value === undefined ? null : value)) { return items[i].label; }
    }
    return value || "—";
  }

  function formatted(value, digits) {
    return value.toLocaleString(document.documentElement.lang || "zh-CN", {minimumFractionDigits: digits, maximumFractionDigits: digits});
  }

  function showCard(properties) {
    var zone = zonesByCode[properties.zone];
    var mu = Number(properties.area_mu);
    var values = {
      code: properties.code,
      land_code: properties.land_code || "—",
      zone: zone ? card.dataset.zoneFormat.replace("{name}", zone.name).replace("{code}", zone.code) : properties.zone,
      area: formatted(mu * 10000 / 15, 2) + " m² / " + formatted(mu, 2) + " " + card.dataset.mu,  // labels translated by the page
      supply_status: labelOf("supply", properties.supply_status),
      "class": labelOf("class", properties["class"]),
      tier: labelOf("tier", properties.tier),
      lists: listNames(properties.lists)
    };
    card.querySelectorAll("[data-field]").forEach(function (element) {
      var field = element.dataset.field;
      if (field === "case") {
        var link = element.querySelector("[data-case-link]");
        link.hidden = !properties.case_number;
        link.textContent = properties.case_number || "";
        link.href = properties.case_number ? config.case_url.replace("__NUMBER__", encodeURIComponent(properties.case_number)) : "#";
        element.querySelector("[data-case-state]").textContent = properties["case"]
          ? labelOf("case", properties["case"]) + (properties.overdue === "1" ? " · " + card.dataset.overdue : "") : "—";
      } else if (element.dataset.mode) {  // a registered mode's property: its legend's label
        element.textContent = labelOf(element.dataset.mode, properties[field]);
      } else if (field === "ended") {
        element.hidden = !properties.ended_on;
        element.textContent = properties.ended_on ? element.dataset.format.replace("{day}", properties.ended_on) : "";
      } else if (field === "link") {
        element.href = config.parcel_url.replace("__CODE__", encodeURIComponent(storedSegment(properties.code)));
      } else {
        element.textContent = values[field];
      }
    });
    card.hidden = false;
  }

  var wanted = 0;  // the last click: a late answer for an earlier click is dropped
  function select(id, bbox) {
    map.setFilter("parcel-selected", ["==", ["id"], id === undefined ? -1 : id]);
    var features = bbox ? [{type: "Feature", properties: {}, geometry: {type: "Polygon", coordinates: [[
      [bbox[0], bbox[1]], [bbox[2], bbox[1]], [bbox[2], bbox[3]], [bbox[0], bbox[3]], [bbox[0], bbox[1]]]]}}] : [];
    map.getSource("selected-box").setData({type: "FeatureCollection", features: features});
  }

  function openCard(feature, lngLat, extra) {
    var click = ++wanted;
    select(feature.id);
    if (feature.properties.code) { showCard(Object.assign({}, feature.properties, extra)); return; }
    // low-zoom tiles carry only what the colours and filters need, and draw the smallest parcels as boxes in
    // features of many (no id): the card's fields, and which parcel it is, come from the server
    var url = feature.id === undefined
      ? config.point_url + "?" + new URLSearchParams({lon: lngLat.lng, lat: lngLat.lat, z: Math.floor(map.getZoom())})
      : config.feature_url.replace("__ID__", feature.id);
    fetch(url, {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (properties) {
        if (click !== wanted) { return; }
        if (properties.id !== undefined) { select(properties.id, feature.id === undefined && properties.bbox); }
        showCard(Object.assign(properties, extra));
      })
      .catch(function (error) { console.warn(url + ": " + error.message); });
  }

  // Parcel code labels: the centre of each drawn parcel's box, gathered over the tile pieces it was cut into
  function placeLabels() {
    if (map.getZoom() < config.label_min_zoom) { return; }
    var boxes = {};
    map.querySourceFeatures("parcels", {sourceLayer: "parcels", filter: currentFilter()}).forEach(function (feature) {
      if (feature.id === undefined || feature.id < 0 || !feature.properties.code) { return; }
      var box = boxes[feature.id] || (boxes[feature.id] = {code: feature.properties.code, box: [180, 90, -180, -90]});
      var rings = feature.geometry.type === "Polygon" ? [feature.geometry.coordinates] : feature.geometry.coordinates;
      rings.forEach(function (polygon) {
        polygon[0].forEach(function (p) {
          box.box = [Math.min(box.box[0], p[0]), Math.min(box.box[1], p[1]), Math.max(box.box[2], p[0]), Math.max(box.box[3], p[1])];
        });
      });
    });
    var features = Object.keys(boxes).map(function (id) {
      var b = boxes[id].box;
      return {type: "Feature", id: Number(id), properties: {code: boxes[id].code},
              geometry: {type: "Point", coordinates: [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]}};
    });
    map.getSource("parcel-labels").setData({type: "FeatureCollection", features: features});
  }
  var labelTimer = null;
  map.on("sourcedata", function (event) {
    if (event.sourceId !== "parcels" || !event.isSourceLoaded) { return; }
    clearTimeout(labelTimer);
    labelTimer = setTimeout(placeLabels, 50);
  });
  map.on("moveend", placeLabels);

  var zoomHint = document.getElementById("map-zoom-hint");
  function showZoomHint() { zoomHint.hidden = map.getZoom() >= config.parcel_min_zoom || !config.extent; }
  map.on("zoomend", showZoomHint);

  map.on("load", function () {
    showZoomHint();
    map.on("click", "parcel-fill", function (event) {
      if (api.tool || event.originalEvent.shiftKey) { return; }  // measuring or choosing parcels (map_tools.js)
      openCard(event.features[0], event.lngLat);
    });
    map.on("mouseenter", "parcel-fill", function () { map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", "parcel-fill", function () { map.getCanvas().style.cursor = ""; });
    document.querySelectorAll("input[name=colour]").forEach(function (radio) {
      radio.addEventListener("change", function () { if (radio.checked) { setMode(radio.value); } });
    });
    document.querySelectorAll("input[name=supply_status]").forEach(function (box) {
      box.addEventListener("change", applyFilter);
    });
    if (listYear) {
      var redraw = function () { setMode(currentMode); drawLegends(); };
      listYear.addEventListener("change", function () { fillLists(); redraw(); });
      listSelect.addEventListener("change", redraw);
    }
    zoneSelect.addEventListener("change", function () {
      applyFilter();
      var zone = zonesByCode[zoneSelect.value];
      var bounds = zone && zone.bounds ? zone.bounds : config.extent;
      if (bounds) { map.fitBounds(bounds, {padding: padding, maxZoom: 17}); }
    });
    card.querySelector(".close").addEventListener("click", function () {
      card.hidden = true;
      wanted += 1;
      select(undefined);
    });
    map.once("idle", function () { container.dataset.ready = "1"; });
  });
})();

// The URL converter's escape (parkgov/web/converters.py): "/" and "~" as ~2F/~7E, a segment of dots as ~2E.
function storedSegment(code) {
  var text = String(code).replace(/~/g, "~7E").replace(/\//g, "~2F");
  return /^\.+$/.test(text) ? text.replace(/\./g, "~2E") : text;
}
