"""The miljöspendanalys: link invoices to agreements, categorise, price with spend-based
factors, rank agreements by kg CO2e. Pure functions over DataFrames; no store, no UI."""
