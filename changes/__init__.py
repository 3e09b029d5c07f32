"""Change enablement (DOMAIN §5): controlled, authorised, reviewed changes.

Owns changes, templates, CAB approvals, the change calendar, freeze windows and collision
detection. Sits above `problems` and owns the problem → fix and change → incident links.
"""
