"""Platform adapters: turn a platform's updates into `Incoming` and send the core's `Reply` values."""
