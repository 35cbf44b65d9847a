"""Fixtures of the DDL checker's unit tests."""

from tests.ddl_trees.fixtures import no_tree_project, tree_project

__all__ = ["no_tree_project", "tree_project"]
