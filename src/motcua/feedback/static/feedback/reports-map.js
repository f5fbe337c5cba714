/* The public map of reports: one dot per report, red while handled, green once answered. Data
   from the page (json_script "reports-map-data"), without personal data; the table under the
   map lists the same. */
(function () {
  "use strict";
  var source = document.getElementById("reports-map-data");
  var element = document.getElementById("reports-map");
  if (!source || !element || typeof L === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  if (!data.points.length) {
    element.hidden = true;
    return;
  }
  var map = L.map(element, { scrollWheelZoom: false, attributionControl: Boolean(data.tiles) });
  if (data.tiles) {
    L.tileLayer(data.tiles, { maxZoom: 18, attribution: data.attribution || "" }).addTo(map);
  } else {
    element.classList.add("feedback-map--plain");
  }
  L.control.scale({ imperial: false }).addTo(map);
  var points = [];
  data.points.forEach(function (point) {
    var state = point.answered ? data.answered : data.open;
    var title = point.code + ": " + point.category_name + " – " + state;
    var icon = L.divIcon({
      className: "feedback-pin" + (point.answered ? " feedback-pin--answered" : ""),
      iconSize: [18, 18],
    });
    L.marker([point.lat, point.lon], { icon: icon, title: title, alt: title, keyboard: true })
      .bindPopup(function () {
        var box = document.createElement("div");
        var strong = document.createElement("strong");
        strong.textContent = point.category_name;
        box.appendChild(strong);
        var line = document.createElement("p");
        line.textContent = point.code + " · " + state + " · " + point.day;
        box.appendChild(line);
        return box;
      })
      .addTo(map);
    points.push([point.lat, point.lon]);
  });
  if (points.length === 1) {
    map.setView(points[0], 15);
  } else {
    map.fitBounds(points, { padding: [30, 30], maxZoom: 16 });
  }
})();
