"""TLS for the links between the parts: a client context that trusts a given CA (and may present a certificate of
its own), and the server side's files. Plain TCP stays the default: a demo on one machine needs no certificates."""

import ssl
from pathlib import Path


def client_context(ca_file: Path | None, cert_file: Path | None = None,
                   key_file: Path | None = None) -> ssl.SSLContext | None:
    """A context that verifies the server's certificate and host name against `ca_file`; None without a CA (plain).
    With `cert_file` and `key_file`, the client also proves who it is (for servers that verify clients)."""
    if ca_file is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(ca_file))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if cert_file is not None:
        context.load_cert_chain(str(cert_file), str(key_file) if key_file else None)
    return context


def check_server_files(cert_file: Path | None, key_file: Path | None) -> None:
    """Both or neither; and they must exist (a typo should stop the start, not serve plain text)."""
    if (cert_file is None) != (key_file is None):
        raise ValueError("give both tls_cert_file and tls_key_file, or neither (plain HTTP)")
    for path in (cert_file, key_file):
        if path is not None and not Path(path).is_file():
            raise ValueError(f"{path} does not exist")


def https_options(cert_file: Path | None, key_file: Path | None) -> dict:
    """uvicorn's options to serve HTTPS with these files; none (plain HTTP) without a certificate."""
    if cert_file is None:
        return {}
    return {"ssl_certfile": str(cert_file), "ssl_keyfile": str(key_file)}
