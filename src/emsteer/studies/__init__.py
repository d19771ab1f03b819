"""Studies: the results store, study configs and the grid runner."""
