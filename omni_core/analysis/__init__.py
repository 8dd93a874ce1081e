"""Per-screen analyses: orchestrate metrics (Ibis) and models into the small frames a page shows."""
