"""The application layer: the Flask app, its blueprints, and the ``rights-archive`` command."""
