"""parkgov (园区管家): one system for a development zone and its departments to govern industrial land."""

__version__ = "0.2.0.dev0"
