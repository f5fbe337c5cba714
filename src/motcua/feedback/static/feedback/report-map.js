/* The report form's point picker: a click (or Enter on the map) puts the point, "use my
   location" asks the browser; both fill the latitude and longitude inputs, which stay
   editable by hand. Tiles only when MAP_TILE_URL is set (data-tiles), else a plain sheet. */
(function () {
  "use strict";
  var element = document.getElementById("report-map");
  var lat = document.getElementById("id_latitude");
  var lon = document.getElementById("id_longitude");
  if (!element || !lat || !lon || typeof L === "undefined") {
    if (element) { element.hidden = true; }
    return;
  }
  var map = L.map(element, { attributionControl: Boolean(element.dataset.tiles) });
  if (element.dataset.tiles) {
    L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: element.dataset.attribution || "" }).addTo(map);
  } else {
    element.classList.add("feedback-map--plain");
  }
  L.control.scale({ imperial: false }).addTo(map);
  var marker = null;

  function place(latitude, longitude, fill) {
    var point = [latitude, longitude];
    if (marker) {
      marker.setLatLng(point);
    } else {
      marker = L.marker(point, { keyboard: false }).addTo(map);
    }
    if (fill) {
      lat.value = latitude.toFixed(6);
      lon.value = longitude.toFixed(6);
    }
  }

  var start = [parseFloat(lat.value), parseFloat(lon.value)];
  if (isFinite(start[0]) && isFinite(start[1])) {
    map.setView(start, 16);
    place(start[0], start[1], false);
  } else {
    map.setView([16.0, 106.0], 5);
  }
  map.on("click", function (event) {
    place(event.latlng.lat, event.latlng.lng, true);
  });
  function fromInputs() {
    var latitude = parseFloat(lat.value.replace(",", "."));
    var longitude = parseFloat(lon.value.replace(",", "."));
    if (isFinite(latitude) && isFinite(longitude)) {
      place(latitude, longitude, false);
      map.setView([latitude, longitude], Math.max(map.getZoom(), 15));
    }
  }
  lat.addEventListener("change", fromInputs);
  lon.addEventListener("change", fromInputs);

  var button = document.getElementById("use-location");
  var status = document.getElementById("location-status");
  if (button && navigator.geolocation) {
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = button.dataset.waiting || "…";
      navigator.geolocation.getCurrentPosition(function (position) {
        place(position.coords.latitude, position.coords.longitude, true);
        map.setView([position.coords.latitude, position.coords.longitude], 16);
        status.textContent = "✓ " + lat.value + ", " + lon.value;
      }, function (error) {
        status.textContent = error.message;
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }
})();
