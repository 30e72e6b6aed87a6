"""Timeslots: administrators book a quantum computer for one user (see :mod:`.service`)."""
