"""The demo order system (orders, invoices, refunds, returns, the demo shop): a retailer's own
order system can replace it behind the HTTP contract of docs/contract.md."""
