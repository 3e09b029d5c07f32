"""The PDCA loop (DOMAIN §6): Plan (strategy, vision) → Do (goals) → Act (delivery, control),
checked by periodic improvement reviews. The top process app: it links incidents, problems
and changes to cycles and reads their KPIs.
"""
