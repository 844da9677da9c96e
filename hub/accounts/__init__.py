"""Accounts: who may do what. People's accounts, passwords and sign-in sessions (with the
guessing limits), and the bearer tokens of kiosks, publishing editors and Open311 clients."""
