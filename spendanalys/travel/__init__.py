"""Business travel: trips to passenger-km and kg CO2e, per FTE against the goal, the
decomposition of the change and the train-instead-of-flight what-if. No store, no UI."""
