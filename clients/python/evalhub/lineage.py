"""The lineage graph around a node, as `Hub.trace` returns it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .records import Record


@dataclass
class Trace:
    """Nodes (id, type, depth) and edges (from, to, relation, role) around `start`."""

    start: str
    nodes: list[Record] = field(default_factory=list)
    edges: list[Record] = field(default_factory=list)
    is_partial: bool = False

    def node(self, node_id: str) -> Record | None:
        return next((n for n in self.nodes if n["id"] == node_id), None)

    def of_type(self, type_name: str) -> list[Record]:
        """Nodes of a GraphQL type, e.g. "DatasetVersion"."""
        return [n for n in self.nodes if n["type"] == type_name]

    def to_networkx(self):
        """A networkx.DiGraph of the trace (needs networkx), its edges pointing upstream: from
        each node to what it came from, so `networkx.has_path(graph, finding, dataset)` holds
        when the finding was computed on the dataset. A run GENERATED its findings, artifacts
        and versions: those edges are turned around (finding -> run); every edge keeps its
        `relation` and `role`."""
        import networkx

        graph = networkx.DiGraph()
        for node in self.nodes:
            graph.add_node(node["id"], **{k: v for k, v in node.items() if k != "id"})
        for edge in self.edges:
            source, target = edge["from"], edge["to"]
            if edge["relation"] in _CAUSE_FIRST:
                source, target = target, source
            graph.add_edge(source, target, relation=edge["relation"], role=edge.get("role"))
        return graph


# The relations the hub reads from the earlier node to the later one (every other one is read
# from what came later to what it came from).
_CAUSE_FIRST = {"GENERATED"}
