"""Run configuration for hr-elt: which source, which destination, which dataset; the CLI."""
