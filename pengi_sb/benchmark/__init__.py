"""The paper's benchmarks: task configs, scoring, data protocols (splits,
folds), reports and the linear probe."""
