"""Imported by the server that forks a collection's build processes: WeasyPrint, once for all."""

from publish.build.parallel import warm

warm()
