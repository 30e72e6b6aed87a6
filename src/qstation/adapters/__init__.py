"""Framework adapters on the qstation SDK: :mod:`qstation.adapters.qiskit` and ``.cirq``.

Each adapter imports only :mod:`qstation.client` and :mod:`qstation.schemas` (plus its
framework), so it runs against a server or a local twin alike.
"""
