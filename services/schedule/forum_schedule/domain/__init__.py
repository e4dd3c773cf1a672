"""The schedule's rules in plain Python: no SQLAlchemy, FastAPI or broker in here."""
