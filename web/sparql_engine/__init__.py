"""The SPARQL engine behind ``/sparql``: safe evaluation of public queries.

``parsed`` reads a query on a SPARQL grammar's parse — its form, and whether it is refused
(updates, SERVICE, engine functions) — and ``lexer`` makes the text rewrites the parse then
checks (``ra:matches`` into VALUES, FROM clauses out for a remote engine); ``pool`` runs
queries in killable worker processes (``worker``) under a time limit, a memory limit and a
row cap, each kept off the network by ``netguard``; ``gate`` lets each client run one query
at a time; a worker evaluates in the embedded store, or through ``remote`` on the archive's
SPARQL engine, and ``answers`` writes either answer in the requested format; ``formats``
holds the media-type tables, Accept matching and the result serializers per result kind;
``description`` builds the SPARQL 1.1 Service Description.
"""
