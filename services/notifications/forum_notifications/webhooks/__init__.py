"""Signed webhooks: the platform's events POSTed to integrators' HTTP endpoints.

`domain` holds the rules (filters, signature, back-off), `intake` turns a consumed event into
delivery rows, `sender` delivers them, `api` is the organisers' admin API.
"""
