"""Plays an orchestrator against `herald agent`: prepare, update, two actions, a callback, verify, clean-up twice.

Usage: orchestrator.py AGENT_URL DEMO_URL clean|wrong-recipient [TEST_ID]
Prints one JSON object with what it saw; exits 1, saying why, when the agent did not behave.
"""
import http.server
import json
import re
import sys
import threading
import urllib.error
import urllib.request

agent, demo, mode = sys.argv[1], sys.argv[2], sys.argv[3]
test = "/api/tests/" + (sys.argv[4] if len(sys.argv) > 4 else "it-" + mode)
seen = {}
answers = []  # every body the agent sent, searched for tokens at the end


def fail(message):
    print(json.dumps(seen, indent=1))
    sys.exit("orchestrator: " + message)


def call(method, url, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read()
            answers.append(raw.decode())
            return response.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as error:
        raw = error.read()
        answers.append(raw.decode())
        return error.code, (json.loads(raw) if raw else None)


# The callback server: the agent posts each action's decided outcome to {callbackBaseUrl}/notifications.
notifications = []
arrived = threading.Condition()


class Callback(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answers.append(json.dumps(body))
        with arrived:
            notifications.append({"path": self.path, "body": body})
            arrived.notify_all()
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Callback)
threading.Thread(target=server.serve_forever, daemon=True).start()
callback = "http://127.0.0.1:%d/orchestrator" % server.server_port

status, prepared = call("PUT", agent + test, {"testCase": "agent-offer", "callbackBaseUrl": callback})
seen["prepare"] = status
if status != 200 or prepared["status"] != "PREPARED":
    fail("prepare answered %d: %s" % (status, prepared))
buyer, sellers = prepared["data"]["buyerId"], prepared["data"]["sellerIds"]
if len(sellers) != 2:
    fail("prepare did not return the two sellers: %s" % prepared["data"])
status, again = call("PUT", agent + test, {"testCase": "agent-offer"})
seen["prepare again"] = status
if status != 409:
    fail("a second prepare of the same test answered %d, not 409" % status)

status, _ = call("PUT", agent + test + "/dynamicdata", {"data": {"externalRef": "ext-from-elsewhere"}})
seen["update"] = status
if status != 204:
    fail("update answered %d" % status)

status, unknown = call("POST", agent + test + "/actions", {"action": "shipOrder"})
seen["unknown action"] = status
if status != 400 or "createRequest" not in (unknown or {}).get("known", []):
    fail("an unknown action answered %d %s, not 400 naming the known ones" % (status, unknown))

for action in ["createRequest", "acceptOffer"]:
    status, acted = call("POST", agent + test + "/actions", {"action": action})
    seen[action] = {"status": status, "result": acted and acted["status"], "pending": acted and acted["pending"]}
    if status != 200 or acted["status"] != "DONE":
        fail("%s answered %d: %s" % (action, status, acted))
if "requestId" not in acted["data"] or "orderId" not in acted["data"]:
    fail("the actions' outputs are missing: %s" % acted["data"])

# Both actions' outcomes reach the callback server once their expectations are decided.
with arrived:
    arrived.wait_for(lambda: len(notifications) == 2, timeout=30)
seen["notifications"] = [(n["path"], n["body"]["action"], n["body"]["status"]) for n in notifications]
if len(notifications) != 2 or any(n["path"] != "/orchestrator/notifications" for n in notifications):
    fail("expected two notifications on /orchestrator/notifications, got %s" % seen["notifications"])

status, report = call("GET", agent + test + "/report")
seen["verify"] = status
if status != 200:
    fail("verify answered %d: %s" % (status, report))
failed = [r for r in report["results"] if r["status"] == "FAIL"]
seen["report"] = {"status": report["status"], "results": len(report["results"]),
                  "failed": [(r["kind"], r["message"], r["evidence"]) for r in failed]}

status, _ = call("DELETE", agent + test)
seen["cleanUp"] = status
status_again, _ = call("DELETE", agent + test)
seen["cleanUp again"] = status_again
if status != 204 or status_again != 204:
    fail("cleanUp answered %d, then %d" % (status, status_again))
status, _ = call("GET", agent + test + "/report")
seen["verify after cleanUp"] = status
# The demo's test users are gone: deleting them again finds nobody.
gone = [call("DELETE", demo + "/test/users/" + user)[0] for user in [buyer] + sellers]
seen["users after cleanUp"] = gone
if status != 404 or gone != [404, 404, 404]:
    fail("after cleanUp: verify %d (want 404), deleting the users %s (want 404s)" % (status, gone))
# The demo's tokens (tok- and 32 hex digits) never leave the agent.
leaked = [a for a in answers if re.search(r"tok-[0-9a-f]{32}", a)]
if leaked:
    fail("a token appears in an answer of the agent: %s" % leaked[0][:300])
print(json.dumps(seen, indent=1))
