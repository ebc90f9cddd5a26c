"""Spendanalys: environmentally extended spend analysis and business-travel CO2e per FTE."""

__version__ = "0.1.0"
