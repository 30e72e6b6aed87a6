"""The pulse-level twin: station parameters, playlist simulation and run/sweep execution.

- :mod:`.twin`: the pulse-level parameters of a calibration set (:func:`.twin.pulse_twin`).
"""
