import HeraldCore
import Testing

/// The boundary where results and live entries leave the runner: every kind of record is masked there.
@Suite struct RedactorRecordsTests {
    let redactor = Redactor(secrets: ["env-key-7f3a9c"], fields: ["nickname"])
    let at = MonotonicInstant.now()

    func entry(_ event: TimelineEvent) -> TimelineEntry {
        TimelineEntry(seq: 0, at: at, actor: "buyer", channel: "inbox", event: event)
    }

    @Test("a frame is shown as it came unless it names a secret-looking field or holds a known secret")
    func frames() {
        let plain = #"{ "type": "order.created",  "id": 7 }"#
        #expect(redactor.mask(entry(.frame(FrameRecord(text: plain, json: .null)))).frame?.text == plain,
                "no re-encoding when nothing is masked")
        let login = #"{"type":"login","accessToken":"abc-unknown","nickname":"zed"}"#
        let shown = redactor.mask(entry(.frame(FrameRecord(text: login, json: .null)))).frame
        #expect(shown?.text.contains("abc-unknown") == false && shown?.text.contains("zed") == false)
        #expect(shown?.json == ["type": "login", "accessToken": "•••", "nickname": "•••"])
        let escaped = redactor.mask(entry(.frame(FrameRecord(text: #"{"\u0074oken":"abc-unknown","Nick\u004eame":"zed"}"#, json: .null))))
        #expect(escaped.frame?.json == ["token": "•••", "NickName": "•••"], "a key spelt with escapes is still a key")
        let upper = redactor.mask(entry(.frame(FrameRecord(text: #"{"X-AUTH-TOKEN":"abc-unknown"}"#, json: .null)))).frame
        #expect(upper?.json == ["X-AUTH-TOKEN": "•••"], "in any case")
        let text = redactor.mask(entry(.frame(FrameRecord(text: "MSG with env-key-7f3a9c inside", json: nil)))).frame?.text
        #expect(text == "MSG with ••• inside")
        let headers = [RecordedHeader(name: "Authorization", value: "Bearer xyz-123")]
        let withHeaders = redactor.mask(entry(.frame(FrameRecord(text: "x", json: nil, headers: headers)))).frame
        #expect(withHeaders?.headers == [RecordedHeader(name: "Authorization", value: "Bearer •••")])
    }

    @Test("requests, responses, notes, connections and sent messages are masked; their shape is kept")
    func otherEntries() {
        let request = RequestRecord(method: "POST", url: "http://h/p?key=env-key-7f3a9c",
                                    headers: [RecordedHeader(name: "X-Api-Key", value: "k-1"), RecordedHeader(name: "Accept", value: "*/*")],
                                    body: #"{"password":"hunter2"}"#)
        guard case .request(let r) = redactor.mask(entry(.request(request))).event else { Issue.record("not a request"); return }
        #expect(r.url == "http://h/p?key=•••" && r.headers.map(\.value) == ["•••", "*/*"] && r.body == #"{"password":"•••"}"#)
        let timing = TimingRecord(dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: 1)
        let response = ResponseRecord(requestSeq: 0, status: 200, headers: [RecordedHeader(name: "Set-Cookie", value: "sid=1")],
                                      body: String(repeating: "x", count: Redactor.shownLimit + 10), timing: timing)
        guard case .response(let s) = redactor.mask(entry(.response(response))).event else { Issue.record("not a response"); return }
        #expect(s.headers.map(\.value) == ["•••"] && s.body.count == Redactor.shownLimit, "bodies are cut after masking")
        #expect(redactor.mask(entry(.note("shell: curl -H env-key-7f3a9c"))).event == .note("shell: curl -H •••"))
        #expect(redactor.mask(entry(.sent(FrameRecord(text: #"{"apiKey":"env-key-7f3a9c"}"#, json: nil)))).event
                == .sent(FrameRecord(text: #"{"apiKey":"•••"}"#, json: nil)))
        #expect(redactor.mask(entry(.connected(ConnectionRecord(url: "ws://h/?t=env-key-7f3a9c")))).event
                == .connected(ConnectionRecord(url: "ws://h/?t=•••")))
    }

    @Test("a verdict's message, evidence and differences are masked, and a secret field's value wherever it is quoted")
    func verdicts() {
        let v = Verdict(id: "c › step 1 › match #1", contract: "c", step: "s", kind: .match, outcome: .failed, reason: .mismatch,
                        message: "no frame matched; nearest: $.token: expected abc, got tok-unknown-1; key env-key-7f3a9c",
                        evidence: [Evidence(role: .nearest, text: #"{"token":"tok-unknown-1"}"#,
                                            differences: [FieldDifference(path: "$.token", expected: "abc", actual: "tok-unknown-1"),
                                                          FieldDifference(path: "$.type", expected: "x", actual: "y")])])
        let m = redactor.mask(v)
        #expect(m.message == "no frame matched; nearest: $.token: expected abc, got •••; key •••")
        #expect(m.evidence.first?.text == #"{"token":"•••"}"#)
        #expect(m.evidence.first?.differences == [FieldDifference(path: "$.token", expected: "abc", actual: "•••"),
                                                  FieldDifference(path: "$.type", expected: "x", actual: "y")])
    }

    @Test("a result is masked with the secrets known when it is, including ones learnt after its entries were recorded")
    func results() {
        let r = Redactor()
        let result = ContractResult(name: "c", file: "c.yaml", location: SourceLocation(file: "c.yaml", line: 1, column: 1),
                                    verdicts: [], timeline: [entry(.note("sent tok-learnt-late"))], origin: at, duration: .zero,
                                    infrastructureError: "refused with tok-learnt-late", interrupted: false, actors: [])
        #expect(r.mask(result).timeline.first?.event == .note("sent tok-learnt-late"))
        r.add(secret: "tok-learnt-late")
        let masked = r.mask(result)
        #expect(masked.timeline.first?.event == .note("sent •••") && masked.infrastructureError == "refused with •••")
    }

    @Test("with no secret value known, a result's entries are masked exactly as one by one, and those that need nothing are left as they are")
    func resultsWithoutSecretValues() {
        let r = Redactor(fields: ["nickname"])
        let timing = TimingRecord(dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: 1)
        let entries: [TimelineEntry] = [
            entry(.step(StepRecord(label: "step 1: login", location: nil))),
            entry(.request(RequestRecord(method: "POST", url: "http://h/login", headers: [RecordedHeader(name: "Accept", value: "*/*")],
                                         body: #"{"user":"ann","password":"hunter2"}"#))),
            entry(.request(RequestRecord(method: "GET", url: "http://h/me", headers: [RecordedHeader(name: "authorization", value: "Bearer t-1")],
                                         body: nil))),
            entry(.response(ResponseRecord(requestSeq: 1, status: 200, headers: [RecordedHeader(name: "X-Session-Token", value: "s-1")],
                                           body: #"{"ok":true}"#, timing: timing))),
            entry(.response(ResponseRecord(requestSeq: 2, status: 200, headers: [RecordedHeader(name: "Content-Type", value: "text/plain")],
                                           body: String(repeating: "y", count: Redactor.shownLimit + 3), timing: timing))),
            entry(.frame(FrameRecord(text: #"{"type":"hello","nickname":"zed"}"#, json: nil))),
            entry(.frame(FrameRecord(text: #"{"type":"order.created","id":7}"#, json: nil))),
            entry(.sent(FrameRecord(text: "PING", json: nil, headers: [RecordedHeader(name: "Cookie", value: "c=1")]))),
            entry(.connected(ConnectionRecord(url: "ws://h/ws"))),
            entry(.note("nothing to hide")),
        ]
        let result = ContractResult(name: "c", file: "c.yaml", location: SourceLocation(file: "c.yaml", line: 1, column: 1),
                                    verdicts: [], timeline: entries, origin: at,
                                    duration: .zero, infrastructureError: nil, interrupted: false, actors: [])
        let masked = r.mask(result).timeline
        #expect(masked == entries.map(r.mask), "the same as masking each entry")
        #expect(masked != entries, "some entries needed masking")
        let untouched = [0, 6, 8, 9]
        for i in untouched { #expect(masked[i] == entries[i]) }
        for i in entries.indices where !untouched.contains(i) { #expect(masked[i] != entries[i], "entry \(i) is masked") }
    }
}

/// One rule for credentials in URLs, wherever one is shown.
@Suite struct URLCredentialsTests {
    @Test("a password in the userinfo is masked, a bare userinfo only when asked, and nothing past the authority")
    func masking() {
        #expect(URLCredentials.masked("ws://u:s3cret@host:80/p?q=a@b") == "ws://u:•••@host:80/p?q=a@b")
        #expect(URLCredentials.masked("http://user@host/p") == "http://user@host/p", "a user name is no secret")
        #expect(URLCredentials.masked("nats://t0ken@host:4222", mask: "***", bareSecret: true) == "nats://***@host:4222")
        #expect(URLCredentials.masked("redis://:pw@host", mask: "***", bareSecret: true) == "redis://:***@host")
        #expect(URLCredentials.masked("http://host/path@x") == "http://host/path@x", "an @ after the authority")
        #expect(URLCredentials.masked("mqtt://a:b:c@h") == "mqtt://a:•••@h", "the password is everything after the first colon")
        #expect(URLCredentials.masked("no url @ all") == "no url @ all")
    }
}
