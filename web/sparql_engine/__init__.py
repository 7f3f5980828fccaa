"""The SPARQL engine behind ``/sparql``: safe evaluation of public queries.

``lexer`` reads what the endpoint must know before running a query (its form, updates,
SERVICE, dataset clauses, the ``ra:matches`` full-text pattern); ``pool`` runs queries
in killable worker processes (``worker``) under a time limit and a row cap; ``formats``
holds the media-type tables and result serializers per result kind; ``description``
builds the SPARQL 1.1 Service Description.
"""
