"""Race cases for tests/test_concurrent_transitions.py: per module, the endpoint → a function that sets up one
document and returns the :class:`~tests.races.common.Race` to run on it."""
