"""Incident management (DOMAIN §3): restore service fast.

Owns the incident record, its life cycle (`workflow.py`), SLA clocks and scans, queues and
the requester portal. Built on `core` (record machinery), `catalog` (services) and `sla`.
"""
