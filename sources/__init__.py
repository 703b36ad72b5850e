"""dlt sources for the ByteHR, CuteHR and HollyHR APIs."""
