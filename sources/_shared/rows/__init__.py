"""Records shaped for dlt's fast paths.

Typed values (:mod:`.timestamps`), Arrow tables (:mod:`.arrow`), and the type dlt would detect for
a value (:mod:`.detections`).
"""
