"""The map (一张图): vector tiles of parcels and zones, and the map page."""
