"""Three private RabbitMQ nodes on loopback, clustered: their own names, ports, data
directories and one Erlang cookie of their own, so nothing here can reach the machine's node.

Built on `tests.support.private_rabbitmq.PrivateRabbitMQ` (one node each); this only gives
the three the same cookie, joins B and C to A and answers questions about the cluster.
"""

from __future__ import annotations

import json
import re
import secrets
import string
import subprocess
from dataclasses import dataclass, field

from tests.support.private_rabbitmq import RABBIT_BIN, PrivateRabbitMQ


def _cookie() -> str:
    return "".join(secrets.choice(string.ascii_uppercase) for _ in range(20))


@dataclass
class Cluster:
    nodes: list[PrivateRabbitMQ] = field(default_factory=list)
    cookie: str = field(default_factory=_cookie)

    @classmethod
    def of(cls, size: int = 3) -> Cluster:
        cluster = cls()
        tag = secrets.token_hex(3)
        for letter in "ABC"[:size]:
            node = PrivateRabbitMQ(nodename=f"forumcluster{letter}{tag}@localhost").prepare()
            cookie = node.base_dir / "home" / ".erlang.cookie"
            cookie.chmod(0o600)
            cookie.write_text(cluster.cookie)
            cookie.chmod(0o400)
            cluster.nodes.append(node)
        return cluster

    def form(self) -> list[float]:
        """Start every node and join the others to the first; returns boot seconds."""
        boots = [node.start() for node in self.nodes]
        first = self.nodes[0]
        for node in self.nodes[1:]:
            node.ctl("stop_app")
            node.ctl("join_cluster", first.nodename)
            node.ctl("start_app")
        running = self.running_nodes()
        assert sorted(running) == sorted(n.nodename for n in self.nodes), running
        return boots

    def url(self, vhost: str = "") -> str:
        """FORUM_AMQP_URL for the whole cluster: every node, comma-separated."""
        return ",".join(f"amqp://guest:guest@127.0.0.1:{n.port}/{vhost}" for n in self.nodes)

    def alive(self) -> PrivateRabbitMQ:
        return next(n for n in self.nodes if n.is_running())

    def by_name(self, nodename: str) -> PrivateRabbitMQ:
        return next(n for n in self.nodes if n.nodename == nodename)

    def by_port(self, port: int) -> PrivateRabbitMQ:
        return next(n for n in self.nodes if n.port == port)

    def ctl_output(self, tool: str, *args: str) -> str:
        node = self.alive()
        done = subprocess.run(
            [str(RABBIT_BIN / tool), "-q", "-n", node.nodename, *args],
            env=node.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout

    def running_nodes(self) -> list[str]:
        out = self.ctl_output("rabbitmqctl", "cluster_status", "--formatter", "json")
        return list(json.loads(out)["running_nodes"])

    def queues(self) -> dict[str, dict[str, object]]:
        """name -> leader, members, messages (quorum queues of the default vhost)."""
        out = self.ctl_output(
            "rabbitmqctl",
            "list_queues",
            "name",
            "type",
            "leader",
            "members",
            "messages",
            "--formatter",
            "json",
        )
        return {q["name"]: q for q in json.loads(out)}

    def connections(self) -> list[tuple[str, PrivateRabbitMQ]]:
        """(client connection name, the node it is on) of every client connection."""
        out = self.ctl_output(
            "rabbitmqctl", "list_connections", "name", "client_properties", "--formatter", "json"
        )
        found = []
        for row in json.loads(out):
            client = next(
                (
                    str(e[-1])
                    for e in row.get("client_properties") or []
                    if e[0] == "connection_name"
                ),
                "",
            )
            # The connection's name is "client ip:port -> server ip:port".
            server = re.search(r"-> [^ ]+:(\d+)$", str(row["name"]))
            if server:
                found.append((client, self.by_port(int(server.group(1)))))
        return found

    def destroy(self) -> None:
        for node in self.nodes:
            node.destroy()
