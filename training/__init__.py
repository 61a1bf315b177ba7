"""Training for the analyzer's model: arguments, data loading, the trainer and the shipped recipe."""
