"""The helpdesk: departments and routing, hand-offs to agents, tickets, the agent console's API
and the outbox that brings agents' messages to the customer. It never imports the order system."""
