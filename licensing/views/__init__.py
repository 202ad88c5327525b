"""Licensing's pages, by topic: `applications` (types and the application in pages),
`licenses` (public lookup, a holder's license, certificates, complaints), `renewals` and
`preview` (a type's pages as residents will see them, for its administrator).
"""
