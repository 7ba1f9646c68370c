"""Analytics: Rasa's conversation events (from its event broker) and the helpdesk's own facts,
read into a store in the back office's database and measured by the KPIs of kpis.py."""
