"""A real SFTP server on loopback (asyncssh), for running the engine against a remote file system
through Hadoop's own ``sftp://`` connector, the same ``FileSystem`` API that HDFS and s3a implement."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncssh

USER = "office"


@dataclass
class SftpServer:
    root: Path
    port: int
    client_key: Path

    def uri(self, path: str) -> str:
        return f"sftp://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def hadoop_conf(self) -> dict[str, str]:
        """What an operator puts in the Spark configuration (``spark.hadoop.`` prefix dropped)."""
        return {
            "fs.sftp.impl": "org.apache.hadoop.fs.sftp.SFTPFileSystem",
            "fs.sftp.host.port": str(self.port),
            "fs.sftp.user.127.0.0.1": USER,
            "fs.sftp.keyfile": str(self.client_key),
        }


@contextmanager
def sftp_server(root: Path, keys: Path) -> Iterator[SftpServer]:
    """Serve ``root`` (chrooted) to one user who signs in with a key, until the block ends."""
    keys.mkdir(parents=True, exist_ok=True)
    # RSA in the PKCS#1 PEM form: what the SSH library inside Hadoop reads.
    client = asyncssh.generate_private_key("ssh-rsa", key_size=2048)
    client_key = keys / "id_rsa"
    client.write_private_key(str(client_key), format_name="pkcs1-pem")
    client_key.chmod(0o600)
    authorized = asyncssh.import_authorized_keys(client.export_public_key().decode())
    host_key = asyncssh.generate_private_key("ssh-rsa", key_size=2048)

    connections: list[asyncssh.SSHServerConnection] = []

    class Server(asyncssh.SSHServer):
        def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
            connections.append(conn)

        def begin_auth(self, username: str) -> bool:
            return True

        def public_key_auth_supported(self) -> bool:
            return True

        def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
            return username == USER and authorized.validate(key, "127.0.0.1", "127.0.0.1") is not None

    loop = asyncio.new_event_loop()
    ready: list[asyncssh.SSHAcceptor] = []
    started = threading.Event()

    async def start() -> None:
        acceptor = await asyncssh.listen(
            "127.0.0.1",
            0,
            server_factory=Server,
            server_host_keys=[host_key],
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root).encode()),
            allow_scp=False,
        )
        ready.append(acceptor)
        started.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, name="sftp-server", daemon=True)
    thread.start()
    if not started.wait(30):
        raise RuntimeError("the SFTP server did not start")
    acceptor = ready[0]
    try:
        yield SftpServer(root=root, port=acceptor.sockets[0].getsockname()[1], client_key=client_key)
    finally:

        async def stop() -> None:
            acceptor.close()
            for conn in connections:  # Hadoop keeps its connections open in its file system cache
                conn.abort()
            await asyncio.gather(*(conn.wait_closed() for conn in connections))

        asyncio.run_coroutine_threadsafe(stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
