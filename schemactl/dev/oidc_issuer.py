"""Development aid for the test bed: a small OIDC issuer on loopback, so that Weaviate's own OIDC
authentication (AUTHENTICATION_OIDC_*) can be tested for real. It serves discovery, its JWKS and
a token endpoint (client credentials and resource-owner password grants) issuing RS256 JWTs that
Weaviate verifies. Not an identity provider; not part of schemactl.
"""
from __future__ import annotations

import base64
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

CLIENT_ID = "schemactl-test"
CLIENT_SECRET = "dev-client-secret-5d1e"  # a development value, known to the tests
USERS = {"ada": "dev-password-9c2f"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Issuer:
    server: ThreadingHTTPServer
    lifetime: int  # seconds a token lives
    tokens_issued: int = 0
    grants: list[str] = field(default_factory=list)
    ca_file: Path | None = None  # served over https with a certificate from this CA (made on the spot)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{'https' if self.ca_file else 'http'}://{host!s}:{port}"

    def weaviate_env(self) -> dict[str, str]:
        """What a Weaviate needs to accept this issuer's tokens (and, over https, to trust it)."""
        trust = {"SSL_CERT_FILE": str(self.ca_file)} if self.ca_file else {}
        return {"AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "false", "AUTHENTICATION_OIDC_ENABLED": "true",
                "AUTHENTICATION_OIDC_ISSUER": self.url, "AUTHENTICATION_OIDC_CLIENT_ID": CLIENT_ID,
                "AUTHENTICATION_OIDC_USERNAME_CLAIM": "sub", "AUTHENTICATION_OIDC_SCOPES": "openid", **trust}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start(lifetime: int = 300, host: str = "127.0.0.1", tls_directory: Path | None = None) -> Issuer:
    """An issuer on `host`; with `tls_directory`, over https with a certificate from a private CA
    made there (its certificate: Issuer.ca_file)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()
    jwk = {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": "dev-1",
           "n": _b64(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
           "e": _b64(numbers.e.to_bytes(3, "big"))}
    holder: dict = {}

    def sign(claims: dict) -> str:
        header = _b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "dev-1"}).encode())
        body = _b64(json.dumps(claims).encode())
        signature = key.sign(f"{header}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{header}.{body}.{_b64(signature)}"

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            return

        def _json(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            issuer = holder["issuer"].url
            if self.path == "/.well-known/openid-configuration":
                self._json(200, {"issuer": issuer, "jwks_uri": f"{issuer}/jwks", "token_endpoint": f"{issuer}/token",
                                 "authorization_endpoint": f"{issuer}/authorize",
                                 "response_types_supported": ["code"], "subject_types_supported": ["public"],
                                 "id_token_signing_alg_values_supported": ["RS256"],
                                 "grant_types_supported": ["client_credentials", "password", "refresh_token"]})
            elif self.path == "/jwks":
                self._json(200, {"keys": [jwk]})
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            issuer: Issuer = holder["issuer"]
            if self.path != "/token":
                self._json(404, {"error": "not_found"})
                return
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0))
                                                 .decode()).items()}
            grant = form.get("grant_type", "")
            if form.get("client_id") != CLIENT_ID:
                self._json(401, {"error": "invalid_client", "error_description": "unknown client"})
                return
            if grant == "client_credentials" and form.get("client_secret") == CLIENT_SECRET:
                subject = CLIENT_ID
            elif grant == "password" and USERS.get(form.get("username", "")) == form.get("password"):
                subject = form["username"]
            else:
                self._json(401 if grant == "client_credentials" else 400,
                           {"error": "invalid_client" if grant == "client_credentials" else "invalid_grant",
                            "error_description": "wrong credentials"})
                return
            now = int(time.time())
            token = sign({"iss": issuer.url, "sub": subject, "aud": CLIENT_ID, "iat": now,
                          "exp": now + issuer.lifetime, "email": f"{subject}@example.test"})
            issuer.tokens_issued += 1
            issuer.grants.append(grant)
            self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": issuer.lifetime})

    server = ThreadingHTTPServer((host, 0), Handler)
    ca_file = _serve_tls(server, host, tls_directory) if tls_directory else None
    issuer = Issuer(server, lifetime, ca_file=ca_file)
    holder["issuer"] = issuer
    threading.Thread(target=server.serve_forever, daemon=True, name="dev-oidc-issuer").start()
    return issuer


def _serve_tls(server: ThreadingHTTPServer, host: str, directory: Path) -> Path:
    """Wrap `server`'s socket in TLS with a certificate for `host` from a private CA; its file."""
    from .certificates import issue

    issued = issue("schemactl dev OIDC CA", host, addresses=(host,))
    directory.mkdir(parents=True, exist_ok=True)
    ca_file, certificate, key = directory / "issuer-ca.pem", directory / "issuer.pem", directory / "issuer.key"
    ca_file.write_bytes(issued.ca)
    certificate.write_bytes(issued.certificate)
    key.write_bytes(issued.key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return ca_file
