"""The HTTP shapes of the schedule API: requests validated here, answers built here."""
