"""The SPARQL engine behind ``/sparql``: safe evaluation of public queries.

``lexer`` reads what the endpoint must know before running a query (its form, updates,
SERVICE, dataset clauses, the ``ra:matches`` full-text pattern); ``pool`` runs queries
in killable worker processes (``worker``) under a time limit and a row cap; a worker
evaluates in the embedded store, or through ``remote`` on the archive's SPARQL engine,
and ``answers`` writes either answer in the requested format; ``formats`` holds the
media-type tables and result serializers per result kind; ``description`` builds the
SPARQL 1.1 Service Description.
"""
