"""Accounts and roles: office admin, department scorer, department head, unit user, leader."""
