"""Problem management (DOMAIN §4): find and remove the causes of incidents.

Owns problems, root-cause analysis, the known error database and proactive detection.
Sits above `incidents` and owns the incident ↔ problem link.
"""
