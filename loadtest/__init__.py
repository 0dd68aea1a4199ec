"""Load and fault runs against Mesa under gunicorn on 127.0.0.1 (`make loadtest`).

deployment  the database, a gunicorn server and a recompute worker, as child processes
seeding     migrate the database and create the conversation to vote in
generator   simulated participants voting through the JSON API (its own command)
reconcile   acknowledged votes against the database, exactly
search      one measured step, and the search for the highest rate that keeps the goal
__main__    `python -m loadtest`: the steps of `make loadtest`
"""
