"""Alerts: the streaming anomaly detector behind the war room's dynamic thresholds."""

from omni_core.alerts.detect import StreamingDetector, detect_anomalies, evaluate

__all__ = ["StreamingDetector", "detect_anomalies", "evaluate"]
