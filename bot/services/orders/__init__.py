"""Orders: placing (placing.py), the status machine (status.py), reading them back
(queries.py), the panel poller (poller.py), refill and cancel requests (requests.py)."""
