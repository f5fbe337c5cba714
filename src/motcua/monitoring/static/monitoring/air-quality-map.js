/* The public air-quality map: one marker per station, coloured by its current VN_AQI through
   the aqi-<level> classes. The data come from the page (json_script "aqi-map-data"); tiles only
   when MAP_TILE_URL is set, otherwise a plain sheet. The table under the map lists the same. */
(function () {
  "use strict";
  var source = document.getElementById("aqi-map-data");
  var element = document.getElementById("aqi-map");
  if (!source || !element || typeof L === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var stations = data.stations.filter(function (station) {
    return isFinite(station.lat) && isFinite(station.lon);
  });
  if (!stations.length) {
    element.hidden = true;
    return;
  }
  var map = L.map(element, { scrollWheelZoom: false, attributionControl: Boolean(data.tiles) });
  if (data.tiles) {
    L.tileLayer(data.tiles, { maxZoom: 18, attribution: data.attribution || "" }).addTo(map);
  } else {
    element.classList.add("aqi-map--plain");
  }
  L.control.scale({ imperial: false }).addTo(map);

  function popup(station) {
    var box = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = station.name;
    box.appendChild(name);
    var value = document.createElement("p");
    value.textContent = station.aqi === null
      ? data.none
      : data.label + " " + station.aqi + " – " + station.category + (station.time ? " (" + station.time + ")" : "");
    box.appendChild(value);
    var link = document.createElement("a");
    link.href = station.url;
    link.textContent = data.open;
    box.appendChild(link);
    return box;
  }

  var points = [];
  stations.forEach(function (station) {
    var label = document.createElement("span");
    label.textContent = station.aqi === null ? "–" : String(station.aqi);
    var icon = L.divIcon({
      className: "aqi-pin aqi-" + station.level,
      html: label,
      iconSize: [42, 42],
      iconAnchor: [21, 21],
      popupAnchor: [0, -20],
    });
    var title = station.name + ": " + (station.aqi === null ? data.none : data.label + " " + station.aqi);
    // Where markers overlap, the worse air stays on top.
    var options = { icon: icon, title: title, alt: title, keyboard: true, zIndexOffset: (station.aqi || 0) * 10 };
    L.marker([station.lat, station.lon], options)
      .bindPopup(function () { return popup(station); })
      .addTo(map);
    points.push([station.lat, station.lon]);
  });
  if (points.length === 1) {
    map.setView(points[0], 12);
  } else {
    map.fitBounds(points, { padding: [40, 40], maxZoom: 13 });
  }
})();
