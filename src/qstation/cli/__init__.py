"""The ``qstation`` command line."""
