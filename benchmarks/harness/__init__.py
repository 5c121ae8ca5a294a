"""The benchmark harness behind ``benchmarks/compare.py`` and
``benchmarks/public_shape.py``: standard library only, except
``cheeseshop_public``.  ``runner`` runs one benchmark; the "Files" table in
``benchmarks/README.md`` says what each module does."""
