"""The portal's database backend (ENGINE "portal.db"): see base.py."""
