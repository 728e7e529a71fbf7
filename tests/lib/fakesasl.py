"""fakesasl.py: the server side of the SASL mechanisms fakesmtp.py offers
beyond PLAIN and LOGIN, to check what postie sends byte for byte.

  SCRAM-SHA-1, SCRAM-SHA-256 and their -PLUS variants (RFC 5802, 7677)
      with channel binding tls-unique (RFC 5929; Python's ssl has it for
      TLS 1.2 only, so -PLUS tests run fakesmtp with --tls12).
      --cb-wrong makes the server bind to other data than the session's.
      A hostile or broken server, for the client's checks:
        --scram-iterations N   the count sent (default 4096)
        --scram-salt TEXT      the salt (default postie-test-salt)
        --scram-nonce MODE     "ours": the client's nonce without the
                               server's part; "other": not the client's
        --scram-final MODE     "wrong": a signature one bit off;
                               "none": 235 at once, no signature
  OAUTHBEARER (RFC 7628) and XOAUTH2 (Google's): the token must equal
      --password; otherwise the server sends its JSON error as a 334
      challenge, records the client's answer and refuses with 535.
  EXTERNAL (RFC 4422 appendix A): accepted when the client presented a
      certificate (fakesmtp --client-ca), refused with 535 otherwise.

Each exchange is recorded in the transcript as events ("# sasl: ...")
besides the raw C:/S: lines. Python 3 standard library only.
"""

import base64
import hashlib
import hmac
import json
import os

ITERATIONS = 4096
SALT = b"postie-test-salt"


class Refused(Exception):
    """The exchange failed; the text is the SMTP reply to send."""


def b64(data):
    return base64.b64encode(data).decode()


def unb64(line):
    try:
        return base64.b64decode(line, validate=True)
    except ValueError:
        raise Refused("501 5.5.2 response is not base64")


def authenticate(session, mech, initial):
    """Runs mech on session (a fakesmtp Session). Returns the reply text
    for AUTH ("235 ..." or a refusal)."""
    try:
        if mech.startswith("SCRAM-"):
            return scram(session, mech, initial)
        if mech in ("OAUTHBEARER", "XOAUTH2"):
            return bearer(session, mech, initial)
        if mech == "EXTERNAL":
            return external(session, initial)
    except Refused as e:
        session.tr.event("sasl: refused: %s" % e)
        return str(e)
    return "504 5.5.4 mechanism not supported"


def response(session, challenge, initial=None):
    """The client's answer: the initial response when one came on the
    AUTH line, else what follows the 334 challenge."""
    if initial is not None:
        line = initial
    else:
        session.send_lines(("334 " + b64(challenge)).rstrip().encode())
        line = session.client_line().decode("ascii", "replace")
    if line == "*":
        raise Refused("501 5.7.0 client cancelled")
    return b"" if line == "=" else unb64(line)


def attrs(text):
    out = {}
    for part in text.split(","):
        if len(part) < 2 or part[1] != "=":
            raise Refused("501 5.5.2 malformed SCRAM message")
        out.setdefault(part[0], part[2:])
    return out


def channel_binding(session, name):
    if name != "tls-unique":
        raise Refused("535 5.7.8 channel binding %s not supported" % name)
    data = session.sock.get_channel_binding("tls-unique")
    if data is None:
        raise Refused("535 5.7.8 no tls-unique on this connection")
    if session.opts.cb_wrong:
        data = bytes(b ^ 0x55 for b in data)
    return data


def scram(session, mech, initial):
    plus = mech.endswith("-PLUS")
    algo = mech[len("SCRAM-"):].replace("-PLUS", "").replace("-", "").lower()
    first = response(session, b"", initial).decode("utf-8", "replace")
    gs2_flag, _, rest = first.partition(",")
    authzid, _, bare = rest.partition(",")
    gs2 = first[:len(first) - len(bare)]
    a = attrs(bare)
    session.tr.event("sasl: %s gs2 header %r user %r" % (mech, gs2, a.get("n")))
    if plus != gs2_flag.startswith("p="):
        raise Refused("535 5.7.8 %s with gs2 header %s" % (mech, gs2_flag))
    # RFC 5802 section 6: "y" to a server that can bind is a downgrade.
    if gs2_flag == "y" and session.tls and "-PLUS" in session.mechs():
        raise Refused("535 5.7.8 client says y but the server binds")
    snonce = a.get("r", "") + b64(os.urandom(12))
    if session.opts.scram_nonce == "ours":
        snonce = a.get("r", "")
    elif session.opts.scram_nonce == "other":
        snonce = b64(os.urandom(24))
    salt = (session.opts.scram_salt or "").encode() or SALT
    iterations = session.opts.scram_iterations or ITERATIONS
    sfirst = "r=%s,s=%s,i=%d" % (snonce, b64(salt), iterations)
    session.tr.event("sasl: %s server-first %s" % (mech, sfirst))
    final = response(session, sfirst.encode()).decode("utf-8", "replace")
    without_proof, _, proof = final.rpartition(",p=")
    f = attrs(without_proof)
    cb = gs2.encode()
    if plus:
        cb += channel_binding(session, gs2_flag[2:])
    if f.get("c") != b64(cb):
        session.tr.event("sasl: channel binding mismatch")
        raise Refused("535 5.7.8 channel binding mismatch")
    if f.get("r") != snonce:
        raise Refused("535 5.7.8 nonce mismatch")
    password = (session.opts.password or "").encode()
    salted = hashlib.pbkdf2_hmac(algo, password, salt, iterations)
    ckey = hmac.new(salted, b"Client Key", algo).digest()
    stored = hashlib.new(algo, ckey).digest()
    auth = ("%s,%s,%s" % (bare, sfirst, without_proof)).encode()
    csig = hmac.new(stored, auth, algo).digest()
    if b64(bytes(x ^ y for x, y in zip(ckey, csig))) != proof:
        raise Refused("535 5.7.8 authentication failed")
    skey = hmac.new(salted, b"Server Key", algo).digest()
    ssig = hmac.new(skey, auth, algo).digest()
    session.tr.event("sasl: %s proof and binding verified" % mech)
    if session.opts.scram_final == "none":
        return "235 2.7.0 authenticated"
    if session.opts.scram_final == "wrong":
        ssig = bytes([ssig[0] ^ 1]) + ssig[1:]
    last = response(session, ("v=" + b64(ssig)).encode())
    if last:
        raise Refused("501 5.5.2 expected an empty response")
    return "235 2.7.0 authenticated"


def bearer(session, mech, initial):
    raw = response(session, b"", initial).decode("utf-8", "replace")
    session.tr.event("sasl: %s initial response %r" % (mech, raw))
    if mech == "OAUTHBEARER":
        _, _, kv = raw.partition(",\x01")
        fields = dict(p.split("=", 1) for p in kv.split("\x01") if "=" in p)
    else:
        fields = dict(p.split("=", 1) for p in raw.split("\x01") if "=" in p)
    if fields.get("auth") == "Bearer " + (session.opts.password or ""):
        return "235 2.7.0 authenticated"
    err = {"status": "invalid_token", "schemes": "Bearer",
           "scope": "https://mail.example.test/"}
    answer = response(session, json.dumps(err).encode())
    session.tr.event("sasl: %s answer to the error %r" % (mech, answer))
    return "535 5.7.8 invalid token"


def external(session, initial):
    raw = response(session, b"", initial)
    session.tr.event("sasl: EXTERNAL authzid %r" % raw)
    cert = session.sock.getpeercert() if session.tls else None
    if not cert:
        raise Refused("535 5.7.8 no client certificate")
    session.tr.event("sasl: EXTERNAL client certificate %r" % (cert.get("subject"),))
    return "235 2.7.0 authenticated"
