"""Licensing's pages, by topic: `applications` (types and the application in pages),
`licenses` (public lookup, a holder's license, certificates, complaints) and `renewals`.
"""
