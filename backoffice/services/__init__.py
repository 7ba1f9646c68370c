"""Business logic, independent of HTTP so it can be tested and reused in-process."""
