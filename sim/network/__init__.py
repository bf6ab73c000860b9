"""The road network: a directed graph of links with lengths, speeds, lanes and capacities,
read from OpenStreetMap extracts, GIS line layers or CSV tables, and shortest-time routing
trees to every destination (one reverse Dijkstra tree per destination, rebuilt when links
close or reopen).
"""

from musterpoint.sim.network.graph import Network as Network
from musterpoint.sim.network.graph import NetworkReport as NetworkReport
from musterpoint.sim.network.read import read_network as read_network
from musterpoint.sim.network.routing import Router as Router

__all__ = [
    "Network",
    "NetworkReport",
    "Router",
    "read_network",
]
