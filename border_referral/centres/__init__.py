"""Countries, centres, partnerships and crossing points: the reference data every feature uses."""
