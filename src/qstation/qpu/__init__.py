"""Simulated quantum computers: device catalog, calibration, noise, validation and engines."""
