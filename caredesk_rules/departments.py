"""The helpdesk's departments: the keys every process names them by.

The `department` slot (domain/), the routing configuration (backoffice/config/departments.yml),
the seeded agents and the reports all use these keys; what each department handles is defined
in docs/contract.md ("What each department handles").
"""

from __future__ import annotations

DEPARTMENT_KEYS: tuple[str, ...] = (
    "customer_support",
    "after_sales",
    "billing",
    "logistics",
    "sales",
    "marketing",
    "technical",
)
