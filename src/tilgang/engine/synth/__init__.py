"""Synthetic registers at national scale (see docs/registers.md)."""
