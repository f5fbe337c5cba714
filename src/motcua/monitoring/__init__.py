"""Environmental monitoring stations, measurements and VN_AQI."""
