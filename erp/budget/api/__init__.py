"""The budget module's JSON API: budgets (versions, lines), commitments, funds and programmes."""
