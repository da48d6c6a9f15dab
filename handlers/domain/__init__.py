"""Plain domain objects and rules. No I/O, no frameworks."""
