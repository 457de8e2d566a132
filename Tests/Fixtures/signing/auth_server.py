"""A small auth server for Herald's signing tests: it verifies what Herald signs, with Python's own libraries.

  POST /oauth/token   RFC 7523 private_key_jwt client credentials: the client assertion must be an ES256 or RS256 JWT
                      signed by the client's key (PUBLIC_KEY), iss = sub = CLIENT_ID, aud = this endpoint's URL, not
                      expired, living at most 5 minutes, with a jti never seen before. Answers an access token (HS256,
                      JWT_SECRET, ACCESS_TTL seconds) or 401.
  GET  /api/me        needs Authorization: Bearer <an HS256 JWT signed with JWT_SECRET, not expired>; 200 or 401.
  POST /webhooks      needs X-Signature: sha256=<hex HMAC-SHA256 of the body with WEBHOOK_SECRET>, or
                      X-Signature-B64: <base64 of it>; 200 or 401.

Every token and signature it receives is appended to SEEN_FILE, so that a test can check that none reaches a report.
Prints "listening on http://127.0.0.1:PORT" once it listens. Configured by environment variables.
"""
import base64, hashlib, hmac, json, os, sys, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

CLIENT_ID = os.environ["CLIENT_ID"]
PUBLIC_KEY = serialization.load_pem_public_key(open(os.environ["PUBLIC_KEY"], "rb").read())
JWT_SECRET = os.environ["JWT_SECRET"].encode()
WEBHOOK_SECRET = os.environ["WEBHOOK_SECRET"].encode()
ACCESS_TTL = int(os.environ.get("ACCESS_TTL", "60"))
SEEN_FILE = os.environ["SEEN_FILE"]
seen_jti = set()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_parts(token):
    h, p, s = token.split(".")
    return json.loads(unb64url(h)), json.loads(unb64url(p)), (h + "." + p).encode(), unb64url(s)


def verify_assertion(token, audience):
    header, claims, data, sig = jwt_parts(token)
    if header.get("alg") == "ES256":
        if len(sig) != 64:
            return "ES256 signature is not 64 bytes"
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        PUBLIC_KEY.verify(der, data, ec.ECDSA(hashes.SHA256()))
    elif header.get("alg") == "RS256":
        PUBLIC_KEY.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
    else:
        return "unexpected alg %r" % header.get("alg")
    now = time.time()
    if claims.get("iss") != CLIENT_ID or claims.get("sub") != CLIENT_ID:
        return "iss and sub must be the client id"
    if claims.get("aud") != audience:
        return "aud %r is not %r" % (claims.get("aud"), audience)
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= now:
        return "expired"
    if claims["exp"] - claims.get("iat", 0) > 300:
        return "lives too long"
    if not claims.get("jti") or claims["jti"] in seen_jti:
        return "jti missing or replayed"
    seen_jti.add(claims["jti"])
    return None


def verify_hs256(token):
    header, claims, data, sig = jwt_parts(token)
    if header.get("alg") != "HS256":
        return "unexpected alg"
    if not hmac.compare_digest(sig, hmac.new(JWT_SECRET, data, hashlib.sha256).digest()):
        return "bad signature"
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= time.time():
        return "expired"
    return None


class Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def seen(self, value):
        with open(SEEN_FILE, "a") as f:
            f.write(value + "\n")

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_GET(self):
        if self.path != "/api/me":
            return self.answer(404, {"error": "not found"})
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return self.answer(401, {"error": "no bearer token"})
        self.seen(auth[7:])
        try:
            problem = verify_hs256(auth[7:])
        except Exception as e:
            problem = "unreadable token: %r" % e
        if problem:
            return self.answer(401, {"error": problem})
        self.answer(200, {"client": CLIENT_ID})

    def do_POST(self):
        raw = self.body()
        if self.path == "/oauth/token":
            form = urllib.parse.parse_qs(raw.decode())
            assertion = form.get("client_assertion", [""])[0]
            self.seen(assertion)
            if form.get("client_assertion_type") != ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]:
                return self.answer(400, {"error": "invalid_request"})
            try:
                problem = verify_assertion(assertion, "http://127.0.0.1:%d/oauth/token" % self.server.server_port)
            except Exception as e:
                problem = "bad signature: %r" % e
            if problem:
                return self.answer(401, {"error": "invalid_client", "error_description": problem})
            now = int(time.time())
            header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
            claims = b64url(json.dumps({"sub": CLIENT_ID, "iat": now, "exp": now + ACCESS_TTL}).encode())
            sig = b64url(hmac.new(JWT_SECRET, (header + "." + claims).encode(), hashlib.sha256).digest())
            token = header + "." + claims + "." + sig
            self.seen(token)
            return self.answer(200, {"access_token": token, "token_type": "Bearer", "expires_in": ACCESS_TTL})
        if self.path == "/webhooks":
            mac = hmac.new(WEBHOOK_SECRET, raw, hashlib.sha256).digest()
            hex_sig, b64_sig = self.headers.get("X-Signature"), self.headers.get("X-Signature-B64")
            for given in (hex_sig, b64_sig):
                if given:
                    self.seen(given)
            ok = (hex_sig is not None and hmac.compare_digest(hex_sig, "sha256=" + mac.hex())) or \
                 (b64_sig is not None and hmac.compare_digest(b64_sig, base64.b64encode(mac).decode()))
            return self.answer(200 if ok else 401, {"accepted": ok})
        self.answer(404, {"error": "not found"})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("listening on http://127.0.0.1:%d" % server.server_port, flush=True)
server.serve_forever()
