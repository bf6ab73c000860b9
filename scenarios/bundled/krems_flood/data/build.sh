# How scenarios/bundled/krems_flood was built (from this folder, with the data/ files):
python make_inputs.py
muster new "${1:-krems_flood}" --force --name krems-flood \
  --title "Krems an der Donau: Danube flood (schematic, hypothetical)" \
  --title-zh "克雷姆斯（多瑙河畔）：多瑙河洪水（示意性假设情景）" \
  --start 2013-06-03T06:00 --timezone Europe/Vienna --duration-h 6 \
  --roads krems.osm.gz \
  --population krems.osm.gz --population-kind osm-buildings --population-total 12500 \
  --zones square --cell-m 500 --evacuate-area krems_flood_extent.geojson \
  --shelters krems_shelters.csv \
  --hazard polygons --hazard-polygons krems_flood_extent.geojson --polygons-kind flood \
  --household-size 2.1 --car-share 0.7 \
  --attribution "Road network and buildings © OpenStreetMap contributors, ODbL 1.0 (openstreetmap.org/copyright); extract krems.osm.gz from the GraphHopper repository (core/files/krems.osm.gz)"
